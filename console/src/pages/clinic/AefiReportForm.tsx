import { App, Checkbox, Col, DatePicker, Form, Input, Modal, Row, Select, Switch, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, command } from '../../api/client';
import type { CommandAnswer, PersonRecord } from '../../api/types';
import { chinaInstant, chinaTime, idempotencyKey } from '../../format';
import { ProblemAlert, useProblemText } from '../../shell/problem';
import { AEFI_OUTCOMES, AEFI_SIGNS, SERIOUS_CRITERIA } from '../aefi/aefi-values';

type Dose = PersonRecord['doses'][number];

interface Values {
  onsetAt: dayjs.Dayjs;
  discoveredAt: dayjs.Dayjs;
  signs: string[];
  serious: boolean;
  seriousCriteria: string[];
  cluster: boolean;
  majorPublicImpact: boolean;
  outcome: string;
  narrative?: string;
  contactName?: string;
  contactPhone?: string;
  contactRelationship?: string;
}

/** The API's field names (top level or nested) → this form's fields. */
const FIELD: Record<string, keyof Values> = {
  onsetAt: 'onsetAt',
  discoveredAt: 'discoveredAt',
  signs: 'signs',
  serious: 'serious',
  seriousCriteria: 'seriousCriteria',
  cluster: 'cluster',
  outcome: 'outcome',
  narrative: 'narrative',
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  'contact.relationship': 'contactRelationship',
};

/**
 * An AEFI case card (POST /v1/aefi) for one dose of the person the dose screen shows: the ID
 * document is the one the record was looked up with; signs, seriousness and outcome are coded
 * (chosen from words); the description and a contact go to the node's vault, not the ledger.
 */
export const AefiReportForm = ({
  person,
  dose,
  onClose,
  onDone,
}: {
  person: { idType: string; idNumber: string };
  dose: Dose;
  onClose(): void;
  onDone(position: string): void;
}) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const problem = useProblemText();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const serious = Form.useWatch('serious', form);
  const doseAt = dayjs(dose.administeredAt);

  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    setError(null);
    const contact = {
      ...(v.contactName?.trim() ? { name: v.contactName.trim() } : {}),
      ...(v.contactPhone?.trim() ? { phone: v.contactPhone.trim() } : {}),
      ...(v.contactRelationship?.trim() ? { relationship: v.contactRelationship.trim() } : {}),
    };
    try {
      const answer = await command<CommandAnswer & { seriousFromCriteria?: boolean; deadlineAt?: string }>(
        '/v1/aefi',
        {
          person,
          doseEventIds: [dose.eventId],
          discoveredAt: chinaInstant(v.discoveredAt),
          onsetAt: chinaInstant(v.onsetAt),
          signs: v.signs,
          serious: v.serious,
          ...(v.serious && v.seriousCriteria.length > 0 ? { seriousCriteria: v.seriousCriteria } : {}),
          cluster: v.cluster,
          majorPublicImpact: v.majorPublicImpact,
          outcome: v.outcome,
          ...(v.narrative?.trim() ? { narrative: v.narrative.trim() } : {}),
          ...(Object.keys(contact).length > 0 ? { contact } : {}),
        },
        key,
      );
      // Sent as not serious, recorded as serious (a criterion or a death): say so, with the shorter deadline.
      if (answer.seriousFromCriteria)
        void message.warning(t('aefi.reportedSerious', { deadline: answer.deadlineAt ? chinaTime(answer.deadlineAt) : '' }), 8);
      else void message.success(t('aefi.reported'));
      onDone(answer.position);
      onClose();
    } catch (e) {
      // A refusal goes beside the field it names (onset before the dose, a bad phone number); else above the form.
      const named = e instanceof ApiError ? (e.errors[0]?.field ?? null) : null;
      const field = named ? (FIELD[named] ?? null) : null;
      if (field) form.setFields([{ name: field, errors: [problem(e)] }]);
      else setError(e);
      setKey(idempotencyKey());
    } finally {
      setBusy(false);
    }
  };

  const notFuture = (_: unknown, value?: dayjs.Dayjs) =>
    value && value.isAfter(dayjs().add(1, 'minute')) ? Promise.reject(new Error(t('aefi.inFuture'))) : Promise.resolve();

  return (
    <Modal
      open
      width={720}
      title={t('aefi.reportTitle')}
      okText={t('aefi.submit')}
      okButtonProps={{ loading: busy }}
      cancelText={t('common.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Typography.Paragraph data-testid="aefi-dose">
        {t('aefi.reportFor', {
          vaccine: t(`vaccineType.${dose.vaccineType}`, { defaultValue: dose.vaccineType }),
          dose: dose.doseNumber,
          at: chinaTime(dose.administeredAt),
          batchId: dose.batchId,
        })}
      </Typography.Paragraph>
      <ProblemAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          onsetAt: dayjs(),
          discoveredAt: dayjs(),
          signs: [],
          serious: false,
          seriousCriteria: [],
          cluster: false,
          majorPublicImpact: false,
          outcome: 'recovering',
        }}
        onFinish={(v) => void submit(v)}
      >
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item
              name="onsetAt"
              label={t('aefi.onsetAt')}
              dependencies={['discoveredAt']}
              rules={[
                { required: true, message: t('validation.required') },
                ({ getFieldValue }) => ({
                  validator: (_, value?: dayjs.Dayjs) => {
                    if (!value) return Promise.resolve();
                    if (value.isBefore(doseAt, 'minute'))
                      return Promise.reject(new Error(t('aefi.onsetBeforeDose', { at: chinaTime(dose.administeredAt) })));
                    const found = getFieldValue('discoveredAt') as dayjs.Dayjs | undefined;
                    if (found && value.isAfter(found)) return Promise.reject(new Error(t('aefi.onsetAfterDiscovery')));
                    return Promise.resolve();
                  },
                }),
              ]}
            >
              <DatePicker showTime style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="discoveredAt"
              label={t('aefi.discoveredAt')}
              extra={t('aefi.discoveredHint')}
              rules={[{ required: true, message: t('validation.required') }, { validator: notFuture }]}
            >
              <DatePicker showTime style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          name="signs"
          label={t('aefi.signs')}
          rules={[{ required: true, type: 'array', min: 1, message: t('validation.required') }]}
        >
          <Select mode="multiple" options={AEFI_SIGNS.map((s) => ({ value: s, label: t(`aefiSign.${s}`) }))} />
        </Form.Item>
        <Row gutter={16}>
          <Col xs={12} md={6}>
            <Form.Item name="serious" label={t('aefi.serious')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="cluster" label={t('aefi.cluster')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="majorPublicImpact" label={t('aefi.majorPublicImpact')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="outcome" label={t('aefi.outcome')}>
              <Select options={AEFI_OUTCOMES.map((o) => ({ value: o, label: t(`aefiOutcome.${o}`) }))} />
            </Form.Item>
          </Col>
        </Row>
        {serious && (
          <Form.Item name="seriousCriteria" label={t('aefi.seriousCriteria')}>
            <Checkbox.Group options={SERIOUS_CRITERIA.map((c) => ({ value: c, label: t(`seriousCriterion.${c}`) }))} />
          </Form.Item>
        )}
        <Form.Item
          name="narrative"
          label={t('aefi.narrative')}
          extra={t('aefi.narrativeHint')}
          rules={[{ max: 10_000, message: t('validation.tooLong', { max: 10_000 }) }]}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item
              name="contactName"
              label={t('aefi.contactName')}
              rules={[{ max: 100, message: t('validation.tooLong', { max: 100 }) }]}
            >
              <Input autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              name="contactPhone"
              label={t('aefi.contactPhone')}
              rules={[{ pattern: /^[+\d][\d\s-]{4,24}$/, message: t('aefi.phoneInvalid') }]}
            >
              <Input autoComplete="off" inputMode="tel" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              name="contactRelationship"
              label={t('aefi.contactRelationship')}
              rules={[{ max: 40, message: t('validation.tooLong', { max: 40 }) }]}
            >
              <Input autoComplete="off" />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
};
