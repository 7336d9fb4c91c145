import { App, DatePicker, Form, Input, Modal } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { command } from '../../api/client';
import type { CommandAnswer } from '../../api/types';
import { chinaInstant, idempotencyKey } from '../../format';
import { BatchLines } from '../../shell/line-fields';
import { useDraft } from '../../shell/drafts';
import { ProblemAlert } from '../../shell/problem';

interface Values {
  toSite: string;
  deliveryNoteNo: string;
  dispatchedAt: dayjs.Dayjs;
  lines: { batchId: string; quantity: number }[];
}

/** Dispatch a shipment from the caller's site (ShipmentDispatched) under a delivery-note number. */
export const DispatchForm = ({ onClose, onDone }: { onClose(): void; onDone(): void }) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useDraft('dispatch', form);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    try {
      await command<CommandAnswer>(
        '/v1/shipments',
        {
          toSite: v.toSite.trim(),
          deliveryNoteNo: v.deliveryNoteNo.trim(),
          dispatchedAt: chinaInstant(v.dispatchedAt),
          lines: v.lines.map((l) => ({ batchId: l.batchId.trim(), quantity: l.quantity })),
        },
        key,
      );
      void message.success(t('shipment.dispatched'));
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
      title={t('shipment.dispatch')}
      okText={t('shipment.dispatch')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy }}
      onCancel={onClose}
      onOk={() => form.submit()}
    >
      <ProblemAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ dispatchedAt: dayjs(), lines: [{ quantity: 1 }] }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item
          name="toSite"
          label={t('shipment.toSite')}
          rules={[{ required: true, pattern: /^[0-9A-Z]{18}$/, message: t('validation.orgCode') }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="deliveryNoteNo"
          label={t('shipment.deliveryNoteNo')}
          rules={[{ required: true, whitespace: true, max: 80, message: t('validation.required') }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="dispatchedAt" label={t('shipment.dispatchedAt')} rules={[{ required: true, message: t('validation.required') }]}>
          <DatePicker showTime disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <BatchLines name="lines" />
      </Form>
    </Modal>
  );
};
