import { App, DatePicker, Form, InputNumber, Modal, Radio, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { command, enc } from '../../api/client';
import type { Shipment } from '../../api/types';
import { chinaInstant, idempotencyKey } from '../../format';
import { QuantityItem } from '../../shell/line-fields';
import { useDraft } from '../../shell/drafts';
import { ProblemAlert } from '../../shell/problem';

interface Values {
  receivedAt: dayjs.Dayjs;
  result: 'accepted' | 'discrepancy' | 'rejected';
  celsius: number;
  accepted: number[];
}

/** Receive a shipment at the caller's site (ShipmentReceived) with its cold-chain reading. */
export const ReceiveForm = ({ shipment, onClose, onDone }: { shipment: Shipment; onClose(): void; onDone(): void }) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useDraft(`receive-${shipment.shipmentId}`, form);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    try {
      const at = chinaInstant(v.receivedAt);
      await command(
        `/v1/shipments/${enc(shipment.shipmentId)}/receipt`,
        {
          receivedAt: at,
          lines: shipment.lines.map((l, i) => ({
            batchId: l.batchId,
            accepted: v.accepted[i] ?? 0,
            rejected: l.quantity - (v.accepted[i] ?? 0),
          })),
          verification: { result: v.result, releaseCertificateChecked: true },
          temperatureLog: { deviceId: 'console', readings: [{ at, celsius: v.celsius }] },
        },
        key,
      );
      void message.success(t('shipment.received'));
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
      title={t('shipment.receiveTitle', { note: shipment.deliveryNoteNo })}
      okText={t('shipment.receive')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      onOk={() => form.submit()}
    >
      <ProblemAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ receivedAt: dayjs(), result: 'accepted', celsius: 5, accepted: shipment.lines.map((l) => l.quantity) }}
        onFinish={(v) => void submit(v)}
      >
        {shipment.lines.map((l, i) => (
          <QuantityItem
            key={l.batchId}
            name={['accepted', i]}
            label={t('shipment.acceptedOf', { batchId: l.batchId, quantity: l.quantity })}
            min={0}
            max={l.quantity}
          />
        ))}
        <Form.Item name="result" label={t('shipment.verification')}>
          <Radio.Group options={['accepted', 'discrepancy', 'rejected'].map((r) => ({ value: r, label: t(`shipment.result_${r}`) }))} />
        </Form.Item>
        <Space>
          <Form.Item
            name="celsius"
            label={t('shipment.celsius')}
            rules={[{ required: true, type: 'number', min: -100, max: 100, message: t('validation.required') }]}
          >
            <InputNumber step={0.1} />
          </Form.Item>
          <Form.Item name="receivedAt" label={t('shipment.receivedAt')} rules={[{ required: true, message: t('validation.required') }]}>
            <DatePicker showTime disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
          </Form.Item>
        </Space>
        <Typography.Text type="secondary">{t('shipment.receiveHint')}</Typography.Text>
      </Form>
    </Modal>
  );
};
