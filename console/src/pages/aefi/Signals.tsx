import { Card, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { enc, get } from '../../api/client';
import type { AefiSignal } from '../../api/types';
import { chinaTime } from '../../format';
import { ProblemAlert } from '../../shell/problem';

/** Rates and p-values as people read them. */
export const rate = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const pValue = (p: number): string => (p < 0.0001 ? '< 0.0001' : p.toPrecision(2));
/** "p = 0.0021", "p < 0.0001": the relation with the value. */
export const pRelation = (p: number): string => (p < 0.0001 ? '< 0.0001' : `= ${p.toPrecision(2)}`);

/** AEFI signals on the batches the caller may see (regulator: its jurisdiction; manufacturer: its own), with their recalls. */
export const Signals = () => {
  const { t } = useTranslation();
  const [signals, setSignals] = useState<AefiSignal[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<{ signals: AefiSignal[] }>('/v1/aefi/signals').then(
      (s) => setSignals(s.signals),
      (e: unknown) => setError(e),
    );
  }, []);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('signals.title')}</Typography.Title>
      <ProblemAlert error={error} />
      <Card>
        <Typography.Paragraph type="secondary">{t('signals.hint')}</Typography.Paragraph>
        <Table<AefiSignal>
          size="small"
          rowKey="signalId"
          data-testid="aefi-signals"
          loading={signals === null && !error}
          dataSource={signals ?? []}
          pagination={{ pageSize: 20 }}
          locale={{ emptyText: t('signals.none') }}
          columns={[
            { title: t('signals.raisedAt'), dataIndex: 'raisedAt', render: chinaTime },
            { title: t('signals.batch'), dataIndex: 'batchId', render: (id: string) => <Link to={`/batches/${enc(id)}`}>{id}</Link> },
            { title: t('signals.product'), dataIndex: 'productCode' },
            { title: t('signals.reports'), dataIndex: 'reports', align: 'right' },
            { title: t('signals.doses'), dataIndex: 'doses', align: 'right' },
            { title: t('signals.rate'), dataIndex: 'ratePer100k', align: 'right', render: rate },
            { title: t('signals.baselineRate'), dataIndex: 'baselineRatePer100k', align: 'right', render: rate },
            { title: t('signals.expected'), dataIndex: 'expected', align: 'right', render: (e: number) => e.toFixed(2) },
            { title: t('signals.pValue'), dataIndex: 'pValue', align: 'right', render: pValue },
            {
              title: t('signals.recalls'),
              dataIndex: 'recallIds',
              render: (ids: string[]) =>
                ids.length > 0 ? <Tag color="red">{t('signals.recalled')}</Tag> : <Tag color="gold">{t('signals.noRecall')}</Tag>,
            },
          ]}
        />
      </Card>
    </Space>
  );
};
