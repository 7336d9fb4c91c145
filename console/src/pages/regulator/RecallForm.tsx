import { App, DatePicker, Form, Input, Modal, Radio, Select } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { command } from '../../api/client';
import type { CommandAnswer } from '../../api/types';
import { chinaInstant, idempotencyKey } from '../../format';
import { useDraft } from '../../shell/drafts';
import { ProblemAlert } from '../../shell/problem';

const REASONS = ['quality_defect', 'safety_signal', 'cold_chain', 'counterfeit', 'labelling', 'other'];
const ACTIONS = ['stop_use', 'quarantine', 'return', 'destroy'];

interface Values {
  kind: 'recall' | 'suspension';
  level: 1 | 2 | 3;
  reasonCode: string;
  reasonText: string;
  effectiveAt: dayjs.Dayjs;
  actions: string[];
  personFollowUp: string;
}

/** Launch a recall (BatchRecalled) of one batch with its reason and level. */
export const RecallForm = ({
  batchId,
  open,
  onClose,
  onDone,
}: {
  batchId: string;
  open: boolean;
  onClose(): void;
  onDone(position: string): void;
}) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useDraft(`recall-${batchId}`, form, open);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    try {
      const answer = await command<CommandAnswer>(
        '/v1/recalls',
        {
          batchIds: [batchId],
          kind: v.kind,
          level: v.level,
          initiation: 'ordered',
          reasonCode: v.reasonCode,
          reasonText: v.reasonText.trim(),
          effectiveAt: chinaInstant(v.effectiveAt),
          actions: v.actions,
          personFollowUp: v.personFollowUp,
        },
        key,
      );
      void message.success(t('recall.done'));
      onClose();
      onDone(answer.position);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('recall.title', { batchId })}
      okText={t('recall.submit')}
      okButtonProps={{ danger: true, loading: busy }}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <ProblemAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          kind: 'recall',
          level: 1,
          reasonCode: 'quality_defect',
          effectiveAt: dayjs(),
          actions: ['stop_use'],
          personFollowUp: 'notify',
        }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item name="kind" label={t('recall.kind')}>
          <Radio.Group options={['recall', 'suspension'].map((k) => ({ value: k, label: t(`recall.kind_${k}`) }))} />
        </Form.Item>
        <Form.Item name="level" label={t('recall.level')}>
          <Radio.Group options={[1, 2, 3].map((l) => ({ value: l, label: t(`recall.level_${l}`) }))} />
        </Form.Item>
        <Form.Item name="reasonCode" label={t('recall.reasonCode')}>
          <Select options={REASONS.map((r) => ({ value: r, label: t(`recall.reason_${r}`) }))} />
        </Form.Item>
        <Form.Item
          name="reasonText"
          label={t('recall.reasonText')}
          rules={[{ required: true, whitespace: true, max: 2000, message: t('validation.required') }]}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="effectiveAt" label={t('recall.effectiveAt')} rules={[{ required: true, message: t('validation.required') }]}>
          <DatePicker showTime style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item
          name="actions"
          label={t('recall.actions')}
          rules={[{ required: true, type: 'array', min: 1, message: t('validation.required') }]}
        >
          <Select mode="multiple" options={ACTIONS.map((a) => ({ value: a, label: t(`recall.action_${a}`) }))} />
        </Form.Item>
        <Form.Item name="personFollowUp" label={t('recall.followUp')}>
          <Radio.Group options={['none', 'notify', 'revaccinate'].map((f) => ({ value: f, label: t(`recall.followUp_${f}`) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
};
