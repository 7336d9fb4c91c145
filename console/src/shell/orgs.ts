import { useEffect, useState } from 'react';
import { enc, get } from '../api/client';
import type { Organisation } from '../api/types';

const cache = new Map<string, Promise<Organisation | null>>();

const fetchOrg = (code: string): Promise<Organisation | null> => {
  let hit = cache.get(code);
  if (!hit) {
    hit = get<Organisation>(`/v1/organisations/${enc(code)}`).catch(() => null);
    cache.set(code, hit);
  }
  return hit;
};

/** Names and provinces of the organisations a page shows (one GET each, cached for the session). */
export const useOrgs = (codes: readonly string[]): Map<string, Organisation> => {
  const [orgs, setOrgs] = useState(new Map<string, Organisation>());
  const key = [...new Set(codes)].sort().join(',');
  useEffect(() => {
    let live = true;
    const wanted = key ? key.split(',') : [];
    void Promise.all(wanted.map(fetchOrg)).then((found) => {
      if (live) setOrgs(new Map(found.filter((o): o is Organisation => o !== null).map((o) => [o.orgCode, o])));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return orgs;
};
