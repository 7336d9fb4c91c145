import { Button, Card, Col, Descriptions, Empty, Row, Space, Statistic, Typography } from 'antd';
import ReactECharts from 'echarts-for-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { enc, get } from '../../api/client';
import type { Holder, Trace } from '../../api/types';
import { useOrgs } from '../../shell/orgs';
import { PagedTable } from '../../shell/paged';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { BatchAefi } from './BatchAefi';
import { CustodyTimeline } from './CustodyTimeline';
import { everyDay } from './doses-by-day';
import { RecallForm } from './RecallForm';
import { StatusTag } from './StatusTag';

/** One batch's whole story: timeline, stock by site, doses by site and by day, recall. */
export const BatchPage = () => {
  const { t } = useTranslation();
  const actor = useActor();
  const batchId = useParams().batchId ?? '';
  const [trace, setTrace] = useState<Trace | null>(null);
  const [days, setDays] = useState<{ day: string; count: number }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [recallOpen, setRecallOpen] = useState(false);
  const [loaded, setLoaded] = useState(0);
  // Reads are eventually consistent: after a command, read again until the view has reached it.
  const load = useCallback(
    async (after?: string) => {
      try {
        // The lists that grow (custody, stock and doses by site) are paged by their own endpoints.
        const read = () => get<Trace>(`/v1/batches/${enc(batchId)}/trace`, { lists: 'omit' });
        let tr = await read();
        for (let i = 0; after && BigInt(tr.position) < BigInt(after) && i < 20; i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          tr = await read();
        }
        const dd = await get<{ days: { day: string; count: number }[] }>(`/v1/batches/${enc(batchId)}/doses-by-day`);
        setTrace(tr);
        setDays(dd.days);
        setLoaded((n) => n + 1);
        setError(null);
      } catch (e) {
        setError(e);
      }
    },
    [batchId],
  );
  useEffect(() => void load(), [load]);
  const [shown, setShown] = useState<{ stock: string[]; doses: string[] }>({ stock: [], doses: [] });
  const orgs = useOrgs([...shown.stock, ...shown.doses]);
  const siteColumns = [
    { title: t('batch.site'), dataIndex: 'site', render: (s: string) => orgs.get(s)?.name ?? s, sorter: true },
    { title: t('batch.siteCode'), dataIndex: 'site', key: 'code' },
    { title: t('common.province'), dataIndex: 'site', key: 'province', render: (s: string) => orgs.get(s)?.provinceCode ?? '' },
  ];
  if (error && !trace)
    return (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Title level={2}>{batchId}</Typography.Title>
        <ProblemAlert error={error} />
      </Space>
    );
  if (!trace) return null;
  // One bar slot per calendar day, days without doses at 0 (the API lists only days with doses).
  const calendar = everyDay(days);
  const canRecall = actor.role === 'regulator' && trace.status !== 'recalled';
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('batch.title', { batchId })} <StatusTag status={trace.status} />
        </Typography.Title>
        <Space>
          {canRecall && (
            <Button danger type="primary" onClick={() => setRecallOpen(true)}>
              {t('recall.launch')}
            </Button>
          )}
          {(actor.role === 'regulator' || actor.role === 'cdc') && (
            <Link to={`/batches/${enc(batchId)}/impact`}>
              <Button>{t('impact.open')}</Button>
            </Link>
          )}
        </Space>
      </Space>
      <Card>
        <Descriptions column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('batch.productCode')}>{trace.productCode}</Descriptions.Item>
          <Descriptions.Item label={t('batch.lotNumber')}>{trace.lotNumber}</Descriptions.Item>
          <Descriptions.Item label={t('batch.producedOn')}>{trace.producedOn}</Descriptions.Item>
          <Descriptions.Item label={t('batch.expiresOn')}>{trace.expiresOn}</Descriptions.Item>
          <Descriptions.Item label={t('batch.certificate')}>{trace.release?.certificateNo ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('batch.recalls')}>
            {trace.recalls.length === 0
              ? '—'
              : trace.recalls
                  .map(
                    (r) =>
                      `${t(`recall.kind_${r.kind}`, { defaultValue: r.kind })} ${t(`recall.level_${r.level}`, { defaultValue: String(r.level) })}`,
                  )
                  .join(t('common.listSeparator'))}
          </Descriptions.Item>
        </Descriptions>
        <Row gutter={16}>
          {(['quantity', 'inTransit', 'destroyed', 'unaccounted'] as const).map((k) => (
            <Col key={k} xs={12} md={6}>
              <Statistic title={t(`batch.${k}`)} value={trace[k]} />
            </Col>
          ))}
        </Row>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={10}>
          <CustodyTimeline batchId={batchId} refresh={loaded} />
        </Col>
        <Col xs={24} lg={14}>
          <Space orientation="vertical" size="large" style={{ width: '100%' }}>
            <Card title={t('batch.dosesOverTime')}>
              {days.length === 0 ? (
                <Empty description={t('batch.noDoses')} />
              ) : (
                <div
                  data-testid="doses-chart"
                  data-points={calendar.length}
                  data-dose-days={days.length}
                  role="img"
                  aria-label={t('batch.dosesOverTime')}
                >
                  <ReactECharts
                    style={{ height: 260 }}
                    option={{
                      tooltip: { trigger: 'axis' },
                      xAxis: { type: 'category', data: calendar.map((d) => d.day) },
                      yAxis: { type: 'value', minInterval: 1 },
                      series: [{ type: 'bar', name: t('batch.doses'), data: calendar.map((d) => d.count) }],
                    }}
                  />
                </div>
              )}
            </Card>
            <Card title={t('batch.stockBySite')}>
              <PagedTable<Holder>
                size="small"
                rowKey="site"
                path={`/v1/batches/${enc(batchId)}/stock`}
                query={{}}
                refresh={loaded}
                onLoaded={(items) => setShown((was) => ({ ...was, stock: items.map((h) => h.site) }))}
                columns={[
                  ...siteColumns,
                  { title: t('stock.available'), dataIndex: 'available', align: 'right', sorter: true },
                  { title: t('stock.quarantined'), dataIndex: 'quarantined', align: 'right', sorter: true },
                ]}
              />
            </Card>
            <Card title={t('batch.dosesBySite')}>
              <PagedTable<{ site: string; count: number }>
                size="small"
                rowKey="site"
                data-testid="doses-by-site"
                path={`/v1/batches/${enc(batchId)}/doses-by-site`}
                query={{}}
                refresh={loaded}
                onLoaded={(items) => setShown((was) => ({ ...was, doses: items.map((d) => d.site) }))}
                columns={[...siteColumns, { title: t('batch.doses'), dataIndex: 'count', align: 'right', sorter: true }]}
              />
            </Card>
          </Space>
        </Col>
      </Row>
      {actor.role !== 'clinic' && <BatchAefi batchId={batchId} refresh={loaded} />}
      <RecallForm batchId={batchId} open={recallOpen} onClose={() => setRecallOpen(false)} onDone={(position) => void load(position)} />
    </Space>
  );
};
