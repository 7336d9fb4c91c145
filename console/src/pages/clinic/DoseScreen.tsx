import {
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  type InputRef,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, command, enc, get, post, settled } from '../../api/client';
import type { CommandAnswer, InventoryLine, PersonRecord } from '../../api/types';
import { chinaInstant, chinaTime, chinaToday, idempotencyKey } from '../../format';
import { useDraft } from '../../shell/drafts';
import { ProblemAlert, useProblemText } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { AefiReportForm } from './AefiReportForm';
import { CertificateModal } from './CertificateModal';
import { ID_TYPES, idNumberProblem, personFromResidentId, refusalField } from './dose-rules';

interface Values {
  traceCode?: string;
  batchId: string;
  idType: string;
  idNumber: string;
  name: string;
  birthDate: dayjs.Dayjs;
  sex: 'M' | 'F' | 'U';
  doseNumber: number;
  route: string;
  administeredAt: dayjs.Dayjs;
  vaccinatorRef: string;
}

/**
 * The clinic's dose screen: scan or type the trace code (a keyboard-wedge scanner types the
 * digits and Enter), look the person up by ID document, see their record from every province
 * and the next dose due, record the dose. A refusal is shown beside its field with its code.
 */
export const DoseScreen = () => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const problem = useProblemText();
  const actor = useActor();
  const [form] = Form.useForm<Values>();
  useDraft('dose', form);
  const [stock, setStock] = useState<InventoryLine[]>([]);
  const [unit, setUnit] = useState<{ state: string; batchId: string | null } | null>(null);
  const [record, setRecord] = useState<PersonRecord | null>(null);
  const [lookedUp, setLookedUp] = useState(false);
  // The document the shown record was looked up with: an AEFI report names the person by it.
  const [document_, setDocument] = useState<{ idType: string; idNumber: string } | null>(null);
  const [aefiDose, setAefiDose] = useState<PersonRecord['doses'][number] | null>(null);
  const [certificateOpen, setCertificateOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const idRef = useRef<InputRef>(null);
  const loadStock = () =>
    get<{ batches: InventoryLine[] }>(`/v1/sites/${enc(actor.orgCode)}/inventory`).then(
      (s) => setStock(s.batches),
      () => setStock([]),
    );
  useEffect(() => void loadStock(), [actor.orgCode]);

  /** Clears the person and the unit for the next one (the vaccinator, route and batch list stay). */
  const nextPerson = (): void => {
    setKey(idempotencyKey());
    setUnit(null);
    setRecord(null);
    setLookedUp(false);
    setDocument(null);
    setError(null);
    form.resetFields(['traceCode', 'batchId', 'idType', 'idNumber', 'name', 'birthDate', 'sex', 'doseNumber', 'administeredAt']);
  };

  const scanned = async (): Promise<void> => {
    const code = String(form.getFieldValue('traceCode') ?? '').replace(/[\s-]/g, '');
    form.setFieldValue('traceCode', code);
    if (!code) return;
    if (!/^\d{20}$/.test(code)) return form.setFields([{ name: 'traceCode', errors: [t('validation.traceCode')] }]);
    try {
      const found = await get<{ state: string; batchId: string | null }>(`/v1/trace-codes/${code}`);
      setUnit(found);
      if (found.batchId) form.setFieldValue('batchId', found.batchId);
      idRef.current?.focus();
    } catch (e) {
      form.setFields([{ name: 'traceCode', errors: [problem(e)] }]);
    }
  };

  const lookup = async (): Promise<void> => {
    try {
      const { idType, idNumber } = await form.validateFields(['idType', 'idNumber']);
      const { personId } = await post<{ personId: string }>('/v1/persons/lookup', { idType, idNumber: idNumber.trim() });
      setDocument({ idType, idNumber: idNumber.trim() });
      const derived = idType === 'RESIDENT_ID' ? personFromResidentId(idNumber.trim(), chinaToday()) : null;
      if (derived) form.setFieldsValue({ birthDate: dayjs(derived.birthDate), sex: derived.sex });
      try {
        setRecord(await get<PersonRecord>(`/v1/persons/${enc(personId)}/record`));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
        setRecord({ personId, doses: [], series: [] });
      }
      setLookedUp(true);
    } catch (e) {
      setDocument(null);
      // A refused lookup (a malformed ID number, most often) is shown beside the ID number.
      if (e instanceof ApiError) form.setFields([{ name: 'idNumber', errors: [problem(e)] }]);
    }
  };

  /** The shown record again, once the node's views have reached a command (an AEFI report). */
  const reload = async (position: string): Promise<void> => {
    if (!record) return;
    await settled(position);
    try {
      setRecord(await get<PersonRecord>(`/v1/persons/${enc(record.personId)}/record`));
    } catch {
      // The record stays as it was shown.
    }
  };

  const record_ = async (v: Values): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await command<CommandAnswer>(
        '/v1/doses',
        {
          person: {
            idType: v.idType,
            idNumber: v.idNumber.trim(),
            name: v.name.trim(),
            birthDate: v.birthDate.format('YYYY-MM-DD'),
            sex: v.sex,
          },
          batchId: v.batchId,
          ...(v.traceCode ? { traceCode: v.traceCode } : {}),
          doseNumber: v.doseNumber,
          administeredAt: chinaInstant(v.administeredAt),
          route: v.route,
          vaccinatorRef: v.vaccinatorRef.trim(),
        },
        key,
      );
      void message.success(t('dose.recorded'));
      nextPerson();
      void loadStock();
    } catch (e) {
      // A refusal goes next to the field it concerns; one without a field above the form.
      const field = e instanceof ApiError ? refusalField(e) : null;
      if (field) form.setFields([{ name: field as keyof Values, errors: [problem(e)] }]);
      else setError(e);
      setKey(idempotencyKey());
    } finally {
      setBusy(false);
    }
  };

  // A next dose whose earliest day (last dose + minimum interval, or minimum age) has come may be
  // given now: the vaccinator should see it at once. The node knows no deadline after which a
  // dose is late, so it says "due", never "overdue".
  const today = chinaToday();
  // Every batch the site has held, empty ones too: the API explains why one cannot be used.
  const batchOptions = stock.map((b) => ({
    value: b.batchId,
    label: `${b.batchId} · ${t('stock.available')} ${b.available} · ${t('batch.expiresOn')} ${b.expiresOn ?? ''}`,
  }));
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('dose.title')}</Typography.Title>
      <ProblemAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ idType: 'RESIDENT_ID', route: 'IM', administeredAt: dayjs(), doseNumber: 1, sex: 'U' }}
        onFinish={(v) => void record_(v)}
        onFinishFailed={() => undefined}
      >
        <Row gutter={16}>
          <Col xs={24} lg={12}>
            <Card title={t('dose.vaccine')}>
              <Form.Item
                name="traceCode"
                label={t('dose.traceCode')}
                extra={t('dose.traceCodeHint')}
                rules={[{ pattern: /^\d{20}$/, message: t('validation.traceCode') }]}
              >
                <Input
                  className="scan-input"
                  autoFocus
                  inputMode="numeric"
                  autoComplete="off"
                  onPressEnter={(e) => {
                    e.preventDefault();
                    void scanned();
                  }}
                  onBlur={() => void scanned()}
                />
              </Form.Item>
              {unit && (
                <Typography.Paragraph data-testid="unit-state">
                  {t('dose.unitState')}:{' '}
                  <Tag color={unit.state === 'in_stock' ? 'green' : 'red'}>
                    {t(`unitState.${unit.state}`, { defaultValue: unit.state })}
                  </Tag>
                </Typography.Paragraph>
              )}
              <Form.Item name="batchId" label={t('dose.batch')} rules={[{ required: true, message: t('validation.required') }]}>
                <Select showSearch options={batchOptions} placeholder={t('dose.batchHint')} />
              </Form.Item>
              <Row gutter={8}>
                <Col span={8}>
                  <Form.Item
                    name="doseNumber"
                    label={t('dose.doseNumber')}
                    rules={[{ required: true, type: 'integer', min: 1, max: 20, message: t('validation.doseNumber') }]}
                  >
                    <InputNumber min={1} max={20} style={{ width: '100%' }} />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name="route" label={t('dose.route')}>
                    <Select options={['IM', 'SC', 'ID', 'PO', 'IN'].map((r) => ({ value: r, label: t(`route.${r}`) }))} />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item
                    name="vaccinatorRef"
                    label={t('dose.vaccinator')}
                    rules={[{ required: true, whitespace: true, max: 60, message: t('validation.required') }]}
                  >
                    <Input autoComplete="off" />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item
                name="administeredAt"
                label={t('dose.administeredAt')}
                rules={[{ required: true, message: t('validation.required') }]}
              >
                <DatePicker showTime style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
              </Form.Item>
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title={t('dose.person')}>
              <Row gutter={8}>
                <Col span={10}>
                  <Form.Item name="idType" label={t('dose.idType')}>
                    <Select options={ID_TYPES.map((i) => ({ value: i, label: t(`idType.${i}`) }))} />
                  </Form.Item>
                </Col>
                <Col span={14}>
                  <Form.Item
                    name="idNumber"
                    label={t('dose.idNumber')}
                    rules={[
                      { required: true, whitespace: true, max: 40, message: t('validation.required') },
                      ({ getFieldValue }) => ({
                        validator: async (_, value?: string) => {
                          const reason = value?.trim()
                            ? idNumberProblem(getFieldValue('idType') as string, value.trim(), chinaToday())
                            : null;
                          if (reason)
                            throw new Error(t('validation.idNumber', { reason: t(`idReason.${reason}`, { defaultValue: reason }) }));
                        },
                      }),
                    ]}
                  >
                    <Input ref={idRef} autoComplete="off" onPressEnter={(e) => (e.preventDefault(), void lookup())} />
                  </Form.Item>
                </Col>
              </Row>
              <Button onClick={() => void lookup()} style={{ marginBottom: 16 }}>
                {t('dose.lookup')}
              </Button>
              <Row gutter={8}>
                <Col span={10}>
                  <Form.Item
                    name="name"
                    label={t('dose.name')}
                    rules={[{ required: true, whitespace: true, max: 100, message: t('validation.required') }]}
                  >
                    <Input autoComplete="off" />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name="birthDate" label={t('dose.birthDate')} rules={[{ required: true, message: t('validation.required') }]}>
                    <DatePicker style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs())} />
                  </Form.Item>
                </Col>
                <Col span={6}>
                  <Form.Item name="sex" label={t('dose.sex')}>
                    <Select options={['M', 'F', 'U'].map((s) => ({ value: s, label: t(`sex.${s}`) }))} />
                  </Form.Item>
                </Col>
              </Row>
            </Card>
          </Col>
        </Row>
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" size="large" htmlType="submit" loading={busy}>
            {t('dose.record')}
          </Button>
          <Button size="large" onClick={nextPerson}>
            {t('dose.next')}
          </Button>
        </Space>
      </Form>
      {lookedUp && record && (
        <Card
          title={t('dose.recordTitle')}
          data-testid="person-record"
          extra={
            record.doses.some((d) => d.status === 'valid') && (
              <Button onClick={() => setCertificateOpen(true)}>{t('certificate.issue')}</Button>
            )
          }
        >
          <Descriptions column={1}>
            {record.series.map((s) => (
              <Descriptions.Item key={s.vaccineType} label={t(`vaccineType.${s.vaccineType}`, { defaultValue: s.vaccineType })}>
                <span data-testid={`series-${s.vaccineType}`}>
                  {t('dose.seriesLine', { done: s.dosesDone, next: s.nextDoseNumber ?? '—', due: s.nextDueOn ?? '—' })}{' '}
                  {s.nextDueOn !== null && s.nextDueOn <= today && <Tag color="orange">{t('dose.dueNow')}</Tag>}
                </span>
              </Descriptions.Item>
            ))}
          </Descriptions>
          <Table
            size="small"
            rowKey="eventId"
            dataSource={record.doses}
            pagination={{ pageSize: 10 }}
            locale={{ emptyText: t('dose.noDoses') }}
            columns={[
              { title: t('dose.administeredAt'), dataIndex: 'administeredAt', render: chinaTime },
              {
                title: t('dose.vaccineType'),
                dataIndex: 'vaccineType',
                render: (v: string) => t(`vaccineType.${v}`, { defaultValue: v }),
              },
              { title: t('dose.doseNumber'), dataIndex: 'doseNumber' },
              { title: t('dose.batch'), dataIndex: 'batchId' },
              { title: t('batch.siteCode'), dataIndex: 'siteCode' },
              { title: t('impact.originProvince'), dataIndex: 'originProvince' },
              {
                title: t('common.status'),
                dataIndex: 'status',
                render: (status: string) => (
                  <Tag color={status === 'voided' ? 'default' : 'green'}>{t(`doseStatus.${status}`, { defaultValue: status })}</Tag>
                ),
              },
              {
                title: t('aefi.personReports'),
                key: 'aefi',
                render: (_: unknown, dose: PersonRecord['doses'][number]) => (
                  <Space orientation="vertical" size={4}>
                    {(record.aefi ?? [])
                      .filter((r) => r.doseEventIds.includes(dose.eventId))
                      .map((r) => (
                        <span key={r.reportId} data-testid="dose-aefi">
                          {r.signs.map((s) => t(`aefiSign.${s}`, { defaultValue: s })).join(t('common.listSeparator'))}{' '}
                          {r.serious && <Tag color="red">{t('aefi.serious')}</Tag>}
                          <Tag>{t(`aefiClass.${r.aefiClass ?? 'unclassified'}`, { defaultValue: r.aefiClass ?? '' })}</Tag>
                        </span>
                      ))}
                    {dose.status === 'valid' && document_ && (
                      <Button size="small" onClick={() => setAefiDose(dose)}>
                        {t('aefi.report')}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      )}
      {aefiDose && document_ && (
        <AefiReportForm person={document_} dose={aefiDose} onClose={() => setAefiDose(null)} onDone={(position) => void reload(position)} />
      )}
      {certificateOpen && record && <CertificateModal personId={record.personId} onClose={() => setCertificateOpen(false)} />}
    </Space>
  );
};
