import { Button, Card, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { download, enc } from '../../api/client';
import type { Holder, Recipient, RecipientSite } from '../../api/types';
import { chinaTime } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { PagedTable } from '../../shell/paged';
import { ProblemAlert } from '../../shell/problem';

/**
 * Recall impact of a batch: who holds it and who received it, by province and site, each list
 * paged by the API (recipients can run to many thousands); CSV (pseudonymous) for all of it.
 */
export const RecallImpact = () => {
  const { t } = useTranslation();
  const batchId = useParams().batchId ?? '';
  const base = `/v1/batches/${enc(batchId)}`;
  const [error, setError] = useState<unknown>(null);
  const [totals, setTotals] = useState<{ persons?: number; doses?: number; holders?: number }>({});
  const [shown, setShown] = useState<{ holders: string[]; sites: string[] }>({ holders: [], sites: [] });
  const orgs = useOrgs([...shown.holders, ...shown.sites]);
  const siteName = (s: string): string => `${orgs.get(s)?.name ?? ''} ${s}`;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('impact.title', { batchId })}
        </Typography.Title>
        <Button type="primary" onClick={() => void download(`${base}/recipients?format=csv`, `recipients-${batchId}.csv`).catch(setError)}>
          {t('impact.csv')}
        </Button>
      </Space>
      <ProblemAlert error={error} />
      <Card>
        <Space size="large">
          <Statistic title={t('impact.persons')} value={totals.persons ?? '—'} />
          <Statistic title={t('impact.doses')} value={totals.doses ?? '—'} />
          <Statistic title={t('impact.holders')} value={totals.holders ?? '—'} />
        </Space>
      </Card>
      <Card title={t('impact.holdersTitle')}>
        <PagedTable<Holder>
          size="small"
          rowKey="site"
          path={`${base}/impact/holders`}
          query={{}}
          onLoaded={(items, total) => {
            setTotals((was) => ({ ...was, holders: total }));
            setShown((was) => ({ ...was, holders: items.map((h) => h.site) }));
          }}
          columns={[
            { title: t('common.province'), key: 'province', render: (_, h) => orgs.get(h.site)?.provinceCode ?? '' },
            { title: t('batch.site'), dataIndex: 'site', render: siteName, sorter: true },
            { title: t('stock.available'), dataIndex: 'available', align: 'right', sorter: true },
            { title: t('stock.quarantined'), dataIndex: 'quarantined', align: 'right', sorter: true },
          ]}
        />
      </Card>
      <Card title={t('impact.recipientsTitle')}>
        <PagedTable<RecipientSite>
          size="small"
          rowKey="siteCode"
          data-testid="recipients-by-site"
          path={`${base}/impact/sites`}
          query={{}}
          onLoaded={(items) => setShown((was) => ({ ...was, sites: items.map((s) => s.siteCode) }))}
          columns={[
            { title: t('common.province'), dataIndex: 'provinceCode', sorter: true },
            { title: t('batch.site'), dataIndex: 'siteCode', render: siteName, sorter: true },
            { title: t('impact.persons'), dataIndex: 'persons', align: 'right', sorter: true },
            { title: t('impact.doses'), dataIndex: 'doses', align: 'right', sorter: true },
          ]}
        />
      </Card>
      <Card title={t('impact.personsTitle')}>
        <PagedTable<Recipient>
          size="small"
          rowKey={(r) => `${r.personId}@${r.administeredAt}`}
          path={`${base}/impact/recipients`}
          query={{}}
          // One row per dose: `total` counts doses, the answer's `persons` the people they went to.
          onLoaded={(_, total, page) => setTotals((was) => ({ ...was, doses: total, persons: (page as { persons?: number }).persons }))}
          columns={[
            { title: t('impact.personId'), dataIndex: 'personId', ellipsis: true },
            { title: t('batch.siteCode'), dataIndex: 'siteCode', sorter: true },
            { title: t('dose.administeredAt'), dataIndex: 'administeredAt', render: chinaTime, sorter: true },
            { title: t('impact.originProvince'), dataIndex: 'originProvince' },
          ]}
        />
      </Card>
    </Space>
  );
};
