import { Table, type TableProps } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useCallback, useEffect, useState } from 'react';
import { get, type Page } from '../api/client';
import { ProblemAlert } from './problem';

interface Paging {
  page: number;
  pageSize: number;
  sort?: string;
  order?: 'asc' | 'desc';
}

/**
 * A table over one paged /v1 list endpoint (`page`, `pageSize`, `sort`, `order` →
 * `{ items, page, pageSize, total }`): paging and sorting happen at the API, never in memory.
 */
export const PagedTable = <T extends object>({
  path,
  query,
  refresh = 0,
  onLoaded,
  ...table
}: { path: string; query: Record<string, string | undefined>; refresh?: number; onLoaded?: (items: T[]) => void } & Omit<
  TableProps<T>,
  'dataSource' | 'pagination' | 'loading' | 'onChange'
>) => {
  const [paging, setPaging] = useState<Paging>({ page: 1, pageSize: 20 });
  const [data, setData] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const key = JSON.stringify(query);
  const load = useCallback(async () => {
    setLoading(true);
    try {
      const page = await get<Page<T>>(path, { ...(JSON.parse(key) as Record<string, string>), ...paging });
      setData(page);
      setError(null);
      onLoaded?.(page.items);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [path, key, paging]); // onLoaded is a callback, not an input
  useEffect(() => {
    void load();
  }, [load, refresh]);
  return (
    <>
      <ProblemAlert error={error} />
      <Table<T>
        size="middle"
        {...table}
        loading={loading}
        dataSource={data?.items ?? []}
        pagination={{ current: paging.page, pageSize: paging.pageSize, total: data?.total ?? 0, showSizeChanger: true }}
        onChange={(p, _filters, sorter) => {
          const s = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<T> | undefined;
          setPaging({
            page: p.current ?? 1,
            pageSize: Math.min(p.pageSize ?? 20, 100),
            ...(s?.order && s.field ? { sort: String(s.field), order: s.order === 'ascend' ? 'asc' : 'desc' } : {}),
          });
        }}
      />
    </>
  );
};
