import { Select, Spin } from 'antd';
import type { CSSProperties } from 'react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, type Page } from '../api/client';
import type { Organisation } from '../api/types';

const PAGE_SIZE = 20;
/** Typing pauses this long before the node is asked, so a name is not searched letter by letter. */
const DEBOUNCE_MS = 250;

export interface OrgPickerProps {
  /** Which organisations may be picked (the list endpoint's filters). */
  readonly kind?: string;
  readonly provinceCode?: string | undefined;
  /** Only the organisations this one supervises directly (a CDC's clinics, in any province). */
  readonly parentOrgCode?: string | undefined;
  /** Only those it supervises directly or through CDCs between (as access to their stock is decided). */
  readonly supervisedBy?: string | undefined;
  /** Credentials for the search (the sign-in page searches before anyone is signed in). */
  readonly headers?: Record<string, string>;
  readonly value?: string | undefined;
  readonly onChange: (orgCode: string, org: Organisation | undefined) => void;
  /** Options always offered above the search results (e.g. the caller's own site). */
  readonly fixed?: readonly { value: string; label: string }[];
  readonly ariaLabel: string;
  /** For a form label's `htmlFor`. */
  readonly id?: string;
  /** Offers to clear the choice (a filter that may be left empty); onClear is then called. */
  readonly allowClear?: boolean;
  readonly onClear?: () => void;
  readonly style?: CSSProperties;
}

/**
 * Picks an organisation however many are registered: the node searches (`GET /v1/organisations`
 * with `q`, name or code, any case) as the user types, a page at a time, and the next page is
 * read when the list is scrolled to its end. Nothing is filtered in the browser, so the 101st
 * clinic is as reachable as the first.
 */
export const OrgPicker = ({
  kind,
  provinceCode,
  parentOrgCode,
  supervisedBy,
  headers,
  value,
  onChange,
  fixed = [],
  ariaLabel,
  id,
  allowClear = false,
  onClear,
  style,
}: OrgPickerProps) => {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<Organisation[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [chosen, setChosen] = useState<Organisation | undefined>();
  // Headers are usually a fresh object per render: the search depends on their content.
  const headerKey = JSON.stringify(headers ?? null);
  const request = useRef(0);

  const fetchPage = (page: number, q: string): Promise<Page<Organisation>> =>
    get<Page<Organisation>>(
      '/v1/organisations',
      { kind, provinceCode, parentOrgCode, supervisedBy, q: q.trim() || undefined, page, pageSize: PAGE_SIZE, sort: 'name' },
      headers,
    );

  useEffect(() => {
    const mine = ++request.current;
    const timer = setTimeout(
      () => {
        setLoading(true);
        fetchPage(1, query).then(
          (p) => {
            if (request.current !== mine) return;
            setItems(p.items);
            setTotal(p.total);
            setLoading(false);
          },
          () => {
            if (request.current !== mine) return;
            setItems([]);
            setTotal(0);
            setLoading(false);
          },
        );
      },
      query ? DEBOUNCE_MS : 0,
    );
    return () => clearTimeout(timer);
    // fetchPage reads only these (headerKey stands for the headers' content).
  }, [kind, provinceCode, parentOrgCode, supervisedBy, headerKey, query]);

  const loadMore = (): void => {
    if (loading || items.length >= total) return;
    const mine = ++request.current;
    setLoading(true);
    fetchPage(Math.floor(items.length / PAGE_SIZE) + 1, query).then(
      (p) => {
        if (request.current !== mine) return;
        setItems((was) => [...was, ...p.items.filter((o) => !was.some((w) => w.orgCode === o.orgCode))]);
        setTotal(p.total);
        setLoading(false);
      },
      () => request.current === mine && setLoading(false),
    );
  };

  const fixedValues = new Set(fixed.map((f) => f.value));
  const found = items.filter((o) => !fixedValues.has(o.orgCode));
  // The chosen organisation stays labelled by name after the search moves on.
  if (chosen && chosen.orgCode === value && !fixedValues.has(chosen.orgCode) && !found.some((o) => o.orgCode === chosen.orgCode))
    found.unshift(chosen);
  const options = [...fixed, ...found.map((o) => ({ value: o.orgCode, label: `${o.name} (${o.orgCode})` }))];
  return (
    <Select
      aria-label={ariaLabel}
      id={id}
      allowClear={allowClear}
      style={style}
      value={value}
      placeholder={t('orgPicker.placeholder')}
      showSearch={{ filterOption: false, onSearch: setQuery, searchValue: query }}
      options={options}
      notFoundContent={loading ? <Spin size="small" /> : t('orgPicker.none')}
      onPopupScroll={(e) => {
        const list = e.currentTarget;
        if (list.scrollTop + list.clientHeight >= list.scrollHeight - 32) loadMore();
      }}
      popupRender={(menu) => (
        <>
          {menu}
          {items.length < total && (
            <div className="org-picker-more" data-testid="org-picker-more">
              {t('orgPicker.more', { shown: items.length, total })}
            </div>
          )}
        </>
      )}
      onChange={(code: string | undefined) => {
        if (code === undefined) {
          setChosen(undefined);
          onClear?.();
          return;
        }
        const org = items.find((o) => o.orgCode === code) ?? (chosen?.orgCode === code ? chosen : undefined);
        setChosen(org);
        setQuery('');
        onChange(code, org);
      }}
    />
  );
};
