import { Alert, App, Button, Card, DatePicker, Form, Input, Modal, Progress, Select, Space, Typography, Upload } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { command, enc, get, type Page } from '../../api/client';
import type { BatchSummary, CommandAnswer, Product } from '../../api/types';
import { idempotencyKey } from '../../format';
import { QuantityItem } from '../../shell/line-fields';
import { PagedTable } from '../../shell/paged';
import { useDraft } from '../../shell/drafts';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { StatusTag } from '../regulator/StatusTag';
import { parseTraceCodes, readFileWithProgress, type TraceFile } from './trace-file';

interface Values {
  productCode: string;
  lotNumber: string;
  producedOn: dayjs.Dayjs;
  expiresOn: dayjs.Dayjs;
  quantity: number;
}

/** The manufacturer's batches with their lot-release status; register a batch with its trace codes from a file. */
export const Batches = () => {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [refresh, setRefresh] = useState(0);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('menu.my-batches')}
        </Typography.Title>
        <Button type="primary" onClick={() => setOpen(true)}>
          {t('batch.register')}
        </Button>
      </Space>
      <Card>
        <PagedTable<BatchSummary>
          rowKey="batchId"
          path="/v1/batches"
          query={{}}
          refresh={refresh}
          columns={[
            { title: t('batch.batchId'), dataIndex: 'batchId', render: (id: string) => <Link to={`/batches/${enc(id)}`}>{id}</Link> },
            { title: t('batch.productCode'), dataIndex: 'productCode', sorter: true },
            { title: t('batch.lotNumber'), dataIndex: 'lotNumber', sorter: true },
            { title: t('batch.producedOn'), dataIndex: 'producedOn', sorter: true },
            { title: t('batch.expiresOn'), dataIndex: 'expiresOn', sorter: true },
            { title: t('batch.quantity'), dataIndex: 'quantity', align: 'right' },
            { title: t('batch.release'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
          ]}
        />
      </Card>
      {open && <RegisterBatch onClose={() => setOpen(false)} onDone={() => setRefresh((r) => r + 1)} />}
    </Space>
  );
};

const RegisterBatch = ({ onClose, onDone }: { onClose(): void; onDone(): void }) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const actor = useActor();
  const [form] = Form.useForm<Values>();
  useDraft('register-batch', form);
  const [products, setProducts] = useState<Product[]>([]);
  const [file, setFile] = useState<TraceFile | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  useEffect(() => {
    get<Page<Product>>('/v1/products', { mahOrgCode: actor.orgCode, pageSize: 100 }).then(
      (p) => setProducts(p.items),
      () => setProducts([]),
    );
  }, [actor.orgCode]);
  const submit = async (v: Values): Promise<void> => {
    if (file && file.bad.length > 0) return void message.error(t('batch.traceFileFix'));
    setBusy(true);
    try {
      await command<CommandAnswer>(
        '/v1/batches',
        {
          productCode: v.productCode,
          lotNumber: v.lotNumber.trim(),
          producedOn: v.producedOn.format('YYYY-MM-DD'),
          expiresOn: v.expiresOn.format('YYYY-MM-DD'),
          quantity: v.quantity,
          ...(file && file.codes.length > 0 ? { traceCodes: file.codes } : {}),
        },
        key,
      );
      void message.success(t('batch.registered'));
      onClose();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      width={640}
      title={t('batch.register')}
      okText={t('batch.register')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      onOk={() => form.submit()}
    >
      <ProblemAlert error={error} />
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item name="productCode" label={t('batch.productCode')} rules={[{ required: true, message: t('validation.required') }]}>
          <Select options={products.map((p) => ({ value: p.productCode, label: `${p.name} (${p.productCode})` }))} />
        </Form.Item>
        <Form.Item
          name="lotNumber"
          label={t('batch.lotNumber')}
          rules={[{ required: true, pattern: /^[0-9A-Z]{1,20}$/, message: t('validation.lotNumber') }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Space>
          <Form.Item name="producedOn" label={t('batch.producedOn')} rules={[{ required: true, message: t('validation.required') }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item
            name="expiresOn"
            label={t('batch.expiresOn')}
            dependencies={['producedOn']}
            rules={[
              { required: true, message: t('validation.required') },
              ({ getFieldValue }) => ({
                validator: (_, v: dayjs.Dayjs | undefined) =>
                  !v || !getFieldValue('producedOn') || v.isAfter(getFieldValue('producedOn') as dayjs.Dayjs)
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('validation.expiry'))),
              }),
            ]}
          >
            <DatePicker />
          </Form.Item>
          <QuantityItem name="quantity" label={t('batch.quantity')} />
        </Space>
        <Form.Item label={t('batch.traceFile')} extra={t('batch.traceFileHint')}>
          <Upload.Dragger
            accept=".csv,.txt,text/plain,text/csv"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(f) => {
              setProgress(0);
              void readFileWithProgress(f, setProgress).then((text) => {
                const parsed = parseTraceCodes(text);
                setFile(parsed);
                if (parsed.codes.length > 0) form.setFieldValue('quantity', parsed.codes.length);
              }, setError);
              return false;
            }}
          >
            <p>{t('batch.traceFileDrop')}</p>
          </Upload.Dragger>
        </Form.Item>
        {progress !== null && <Progress percent={progress} size="small" aria-label={t('batch.traceFileProgress')} />}
        {file && (
          <Alert
            type={file.bad.length > 0 ? 'warning' : 'info'}
            showIcon
            title={t('batch.traceFileRead', { count: file.codes.length, duplicates: file.duplicates })}
            description={file.bad.map((b) => t('batch.traceFileBad', { line: b.line, text: b.text })).join('；')}
          />
        )}
      </Form>
    </Modal>
  );
};
