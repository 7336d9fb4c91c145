import { Table, type TableProps } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useCallback, useEffect, useState } from 'react';
import { get, type Page } from '../api/client';
import { ProblemAlert } from './problem';

export interface Paging {
  page: number;
  pageSize: number;
  sort?: string;
  order?: 'asc' | 'desc';
}

/**
 * One paged /v1 list endpoint (`page`, `pageSize`, `sort`, `order` → `{ items, page, pageSize,
 * total }`): the current page only, fetched again when the paging, the query or `refresh` change.
 */
export const usePagedList = <T,>(
  path: string,
  query: Record<string, string | undefined>,
  initial: Paging,
  refresh = 0,
  onLoaded?: (page: Page<T>) => void,
) => {
  const [paging, setPaging] = useState<Paging>(initial);
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
      onLoaded?.(page);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [path, key, paging]); // onLoaded is a callback, not an input
  useEffect(() => {
    void load();
  }, [load, refresh]);
  return { paging, setPaging, data, error, loading };
};

/**
 * A table over one paged /v1 list endpoint: paging and sorting happen at the API, never in
 * memory (antd's remote pagination).
 */
export const PagedTable = <T extends object>({
  path,
  query,
  refresh = 0,
  onLoaded,
  defaultSort,
  ...table
}: {
  path: string;
  query: Record<string, string | undefined>;
  refresh?: number;
  /** `page` is the whole answer, for lists that add their own totals (recall recipients: `persons`). */
  onLoaded?: (items: T[], total: number, page: Page<T>) => void;
  /** The API's order before the user sorts a column. */
  defaultSort?: { sort: string; order: 'asc' | 'desc' };
} & Omit<TableProps<T>, 'dataSource' | 'pagination' | 'loading' | 'onChange'>) => {
  const initial: Paging = { page: 1, pageSize: 20, ...defaultSort };
  const { paging, setPaging, data, error, loading } = usePagedList<T>(path, query, initial, refresh, (page) =>
    onLoaded?.(page.items, page.total, page),
  );
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
          const field = s?.field;
          setPaging({
            page: p.current ?? 1,
            pageSize: Math.min(p.pageSize ?? 20, 100),
            ...(s?.order && field ? { sort: String(field), order: s.order === 'ascend' ? 'asc' : 'desc' } : defaultSort),
          });
        }}
      />
    </>
  );
};
