import { Button, Card, Space, Statistic, Table, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { download, enc, get } from '../../api/client';
import type { Recipients } from '../../api/types';
import { chinaTime } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { ProblemAlert } from '../../shell/problem';

interface SiteCount {
  key: string;
  province: string;
  site: string;
  persons: number;
}

/** Recall impact of a batch: who holds it and who received it, by province and site; CSV (pseudonymous). */
export const RecallImpact = () => {
  const { t } = useTranslation();
  const batchId = useParams().batchId ?? '';
  const [data, setData] = useState<Recipients | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<Recipients>(`/v1/batches/${enc(batchId)}/recipients`).then(setData, setError);
  }, [batchId]);
  const orgs = useOrgs(data ? [...data.holders.map((h) => h.site), ...data.persons.map((p) => p.siteCode)] : []);
  const bySite = useMemo<SiteCount[]>(() => {
    const counts = new Map<string, number>();
    for (const p of data?.persons ?? []) counts.set(p.siteCode, (counts.get(p.siteCode) ?? 0) + 1);
    return [...counts].map(([site, persons]) => ({ key: site, site, province: orgs.get(site)?.provinceCode ?? '', persons }));
  }, [data, orgs]);
  const provinceFilter = [...new Set(bySite.map((s) => s.province))].map((p) => ({ text: p, value: p }));
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('impact.title', { batchId })}
        </Typography.Title>
        <Button
          type="primary"
          onClick={() => void download(`/v1/batches/${enc(batchId)}/recipients?format=csv`, `recipients-${batchId}.csv`).catch(setError)}
        >
          {t('impact.csv')}
        </Button>
      </Space>
      <ProblemAlert error={error} />
      {data && (
        <>
          <Card>
            <Space size="large">
              <Statistic title={t('impact.persons')} value={data.persons.length} />
              <Statistic title={t('impact.holders')} value={data.holders.length} />
            </Space>
          </Card>
          <Card title={t('impact.holdersTitle')}>
            <Table
              size="small"
              rowKey="site"
              dataSource={data.holders}
              columns={[
                { title: t('common.province'), key: 'province', render: (_, h) => orgs.get(h.site)?.provinceCode ?? '' },
                { title: t('batch.site'), dataIndex: 'site', render: (s: string) => `${orgs.get(s)?.name ?? ''} ${s}` },
                { title: t('stock.available'), dataIndex: 'available', align: 'right', sorter: (a, b) => a.available - b.available },
                { title: t('stock.quarantined'), dataIndex: 'quarantined', align: 'right' },
              ]}
            />
          </Card>
          <Card title={t('impact.recipientsTitle')}>
            <Table<SiteCount>
              size="small"
              data-testid="recipients-by-site"
              dataSource={bySite}
              columns={[
                { title: t('common.province'), dataIndex: 'province', filters: provinceFilter, onFilter: (v, r) => r.province === v },
                { title: t('batch.site'), dataIndex: 'site', render: (s: string) => `${orgs.get(s)?.name ?? ''} ${s}` },
                { title: t('impact.persons'), dataIndex: 'persons', align: 'right', sorter: (a, b) => a.persons - b.persons },
              ]}
            />
          </Card>
          <Card title={t('impact.personsTitle')}>
            <Table
              size="small"
              rowKey="personId"
              dataSource={data.persons}
              columns={[
                { title: t('impact.personId'), dataIndex: 'personId', ellipsis: true },
                { title: t('batch.siteCode'), dataIndex: 'siteCode' },
                {
                  title: t('dose.administeredAt'),
                  dataIndex: 'administeredAt',
                  render: chinaTime,
                  sorter: (a, b) => a.administeredAt.localeCompare(b.administeredAt),
                },
                { title: t('impact.originProvince'), dataIndex: 'originProvince' },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
};
