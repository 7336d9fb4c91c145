import { Card, Pagination, Timeline } from 'antd';
import { useTranslation } from 'react-i18next';
import { enc } from '../../api/client';
import type { CustodyStep } from '../../api/types';
import { chinaTime } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { usePagedList } from '../../shell/paged';
import { ProblemAlert } from '../../shell/problem';

const DOT: Record<string, string> = { produced: 'blue', released: 'green', recalled: 'red', suspended: 'red', destroyed: 'gray' };

/** A batch's custody chain as a timeline, a page at a time from the API (it grows with every shipment). */
export const CustodyTimeline = ({ batchId, refresh }: { batchId: string; refresh: number }) => {
  const { t } = useTranslation();
  const { paging, setPaging, data, error } = usePagedList<CustodyStep>(
    `/v1/batches/${enc(batchId)}/custody`,
    {},
    { page: 1, pageSize: 20, sort: 'position', order: 'asc' },
    refresh,
  );
  const steps = data?.items ?? [];
  const orgs = useOrgs(steps.flatMap((c) => [c.fromSite, c.toSite]).filter((s): s is string => Boolean(s)));
  const site = (code: string): string => {
    const org = orgs.get(code);
    return org ? `${org.name} (${code}, ${t('common.province')} ${org.provinceCode})` : code;
  };
  return (
    <Card title={t('batch.timeline')}>
      <ProblemAlert error={error} />
      <Timeline
        data-testid="timeline"
        items={steps.map((c) => ({
          color: DOT[c.type] ?? 'blue',
          content: (
            <div>
              <strong>{t(`custody.${c.type}`, { defaultValue: c.type })}</strong> · {chinaTime(c.at)}
              {c.quantity > 0 && ` · ${t('batch.units', { count: c.quantity })}`}
              {c.fromSite && <div>{t('custody.from', { site: site(c.fromSite) })}</div>}
              {c.toSite && <div>{t('custody.to', { site: site(c.toSite) })}</div>}
            </div>
          ),
        }))}
      />
      <Pagination
        size="small"
        align="end"
        current={paging.page}
        pageSize={paging.pageSize}
        total={data?.total ?? 0}
        hideOnSinglePage
        showSizeChanger
        onChange={(page, pageSize) => setPaging({ ...paging, page, pageSize: Math.min(pageSize, 100) })}
      />
    </Card>
  );
};
