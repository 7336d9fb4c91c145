import { App, Checkbox, Col, DatePicker, Form, Input, InputNumber, Modal, Radio, Row, Typography } from 'antd';
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
  releaseCertificateChecked: boolean;
  celsius?: number | null;
  deviceId?: string;
  accepted: number[];
}

/**
 * The ledger's rule (libs/domain site.receipt.ts, ADR 0015): a receipt that takes any dose into
 * stock needs the transport's temperature record; one refusing the whole shipment may have none.
 */
const accepting = (v: Pick<Values, 'result' | 'accepted'>): boolean =>
  v.result !== 'rejected' && (v.accepted ?? []).some((n) => (n ?? 0) > 0);

/**
 * Receive a shipment at the caller's site (ShipmentReceived) with its cold-chain reading.
 * Nothing is filled in for the user: the reading, the device it came from and whether the
 * lot-release certificate was checked are evidence, so the receipt carries only what was typed.
 */
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
      const measured = typeof v.celsius === 'number';
      await command(
        `/v1/shipments/${enc(shipment.shipmentId)}/receipt`,
        {
          receivedAt: at,
          lines: shipment.lines.map((l, i) => ({
            batchId: l.batchId,
            accepted: v.accepted[i] ?? 0,
            rejected: l.quantity - (v.accepted[i] ?? 0),
          })),
          verification: { result: v.result, releaseCertificateChecked: v.releaseCertificateChecked === true },
          // Without a reading there is no log to send: the API then accepts only a full rejection.
          ...(measured ? { temperatureLog: { deviceId: (v.deviceId ?? '').trim(), readings: [{ at, celsius: v.celsius }] } } : {}),
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
        initialValues={{
          receivedAt: dayjs(),
          result: 'accepted',
          releaseCertificateChecked: false,
          accepted: shipment.lines.map((l) => l.quantity),
        }}
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
        <Typography.Paragraph type="secondary" data-testid="receive-hint">
          {t('shipment.receiveHint')}
        </Typography.Paragraph>
        <Form.Item name="result" label={t('shipment.verification')}>
          <Radio.Group options={['accepted', 'discrepancy', 'rejected'].map((r) => ({ value: r, label: t(`shipment.result_${r}`) }))} />
        </Form.Item>
        <Form.Item name="releaseCertificateChecked" valuePropName="checked">
          <Checkbox>{t('shipment.certificateChecked')}</Checkbox>
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item
              name="celsius"
              label={t('shipment.celsius')}
              dependencies={['result', 'accepted']}
              extra={t('shipment.celsiusHint')}
              rules={[
                ({ getFieldsValue }) => ({
                  required: accepting(getFieldsValue(['result', 'accepted']) as Values),
                  message: t('shipment.celsiusRequired'),
                }),
                { type: 'number', min: -100, max: 100, message: t('shipment.celsiusRange') },
              ]}
            >
              <InputNumber step={0.1} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="deviceId"
              label={t('shipment.deviceId')}
              dependencies={['celsius']}
              extra={t('shipment.deviceIdHint')}
              rules={[
                ({ getFieldValue }) => ({
                  required: typeof getFieldValue('celsius') === 'number',
                  whitespace: true,
                  message: t('shipment.deviceIdRequired'),
                }),
                { max: 80, message: t('validation.tooLong', { max: 80 }) },
              ]}
            >
              <Input autoComplete="off" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="receivedAt" label={t('shipment.receivedAt')} rules={[{ required: true, message: t('validation.required') }]}>
          <DatePicker showTime style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
      </Form>
    </Modal>
  );
};
