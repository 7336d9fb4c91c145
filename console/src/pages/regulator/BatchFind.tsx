import { Button, Card, Form, Input, Space, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, enc, get } from '../../api/client';
import type { BatchSummary } from '../../api/types';
import { PagedTable } from '../../shell/paged';
import { useProblemText } from '../../shell/problem';
import { StatusTag } from './StatusTag';

const TRACE_CODE = /^\d{20}$/;
const BATCH_ID = /^[0-9A-Za-z]{1,20}-[0-9A-Z]{1,20}$/;

/** Find a batch by batch id, lot number, product or a trace code (scanned: digits then Enter). */
export const BatchFind = () => {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const problem = useProblemText();
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const find = async (raw: string): Promise<void> => {
    const compact = raw.replace(/[\s-]/g, '');
    const value = TRACE_CODE.test(compact) ? compact : raw.trim();
    setError(null);
    if (TRACE_CODE.test(value)) {
      try {
        const unit = await get<{ batchId: string | null }>(`/v1/trace-codes/${value}`);
        if (unit.batchId) return void navigate(`/batches/${enc(unit.batchId)}`);
        return setError(t('find.unknownCode'));
      } catch (e) {
        return setError(problem(e));
      }
    }
    if (BATCH_ID.test(value)) {
      try {
        await get(`/v1/batches/${enc(value)}/trace`);
        return void navigate(`/batches/${enc(value)}`);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) return setError(problem(e));
      }
    }
    setQ(value);
  };
  const columns: ColumnsType<BatchSummary> = [
    { title: t('batch.batchId'), dataIndex: 'batchId', render: (id: string) => <Link to={`/batches/${enc(id)}`}>{id}</Link> },
    { title: t('batch.productCode'), dataIndex: 'productCode', sorter: true },
    { title: t('batch.lotNumber'), dataIndex: 'lotNumber', sorter: true },
    { title: t('batch.expiresOn'), dataIndex: 'expiresOn', sorter: true },
    { title: t('batch.quantity'), dataIndex: 'quantity', align: 'right' },
    { title: t('batch.status'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
  ];
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('find.title')}</Typography.Title>
      <Card>
        <Form layout="inline" onFinish={(v: { q: string }) => void find(v.q ?? '')}>
          <Form.Item
            name="q"
            label={t('find.label')}
            validateStatus={error ? 'error' : undefined}
            help={error ?? t('find.hint')}
            style={{ flex: 1 }}
          >
            <Input autoFocus allowClear placeholder={t('find.placeholder')} data-testid="batch-search" />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('find.submit')}
          </Button>
        </Form>
      </Card>
      <Card title={t('find.list')}>
        <PagedTable<BatchSummary> rowKey="batchId" path="/v1/batches" query={{ q: q || undefined }} columns={columns} />
      </Card>
    </Space>
  );
};
