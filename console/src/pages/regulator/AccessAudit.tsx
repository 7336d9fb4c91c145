import { Button, Card, DatePicker, Form, Input, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../../api/client';
import { chinaTime, chinaToday } from '../../format';
import { BATCH_ID } from '../../shell/line-fields';
import { OrgPicker } from '../../shell/org-picker';
import { ProblemAlert } from '../../shell/problem';

interface AccessEvent {
  eventId: string;
  type: string;
  accessedAt: string;
  purpose: string;
  personId?: string;
  batchId?: string;
  actor: { orgCode: string; role: string; provinceCode: string; staffRef?: string };
}

interface AccessPage {
  events: AccessEvent[];
  next: string | null;
}

/** What the trail is filtered by; dates are China calendar days (YYYY-MM-DD), both included. */
interface Filters {
  personId?: string | undefined;
  batchId?: string | undefined;
  orgCode?: string | undefined;
  fromDate?: string | undefined;
  toDate?: string | undefined;
}

interface FormValues {
  personId?: string;
  batchId?: string;
  from?: Dayjs | null;
  to?: Dayjs | null;
}

const PAGE = 50;
/** The ledger's person pseudonym (libs/privacy): p1 and 26 base32 characters. */
const PERSON_ID = /^p1[a-z2-7]{26}$/;
const DEFAULT_DAYS = 7;

const day = (d: Dayjs): string => d.format('YYYY-MM-DD');

const lastDays = (): Filters => {
  const today = chinaToday();
  return { fromDate: day(dayjs(today).subtract(DEFAULT_DAYS - 1, 'day')), toDate: today };
};

/** The first instant of a China calendar day. */
const chinaMidnight = (date: string): string => `${date}T00:00:00+08:00`;

/** The API's query: `from` inclusive, `to` exclusive, so the last day runs to the next midnight. */
const toQuery = (f: Filters): Record<string, string | undefined> => ({
  personId: f.personId,
  batchId: f.batchId,
  orgCode: f.orgCode,
  from: f.fromDate ? chinaMidnight(f.fromDate) : undefined,
  to: f.toDate ? chinaMidnight(day(dayjs(f.toDate).add(1, 'day'))) : undefined,
});

/**
 * Who read which person record (the access trail), filtered by person, batch, organisation and
 * China-time days, newest first (the API's `order=newest`, paged back with `before`). It opens
 * on the last seven days.
 */
export const AccessAudit = () => {
  const { t } = useTranslation();
  const [form] = Form.useForm<FormValues>();
  const [filters, setFilters] = useState<Filters>(lastDays);
  const [org, setOrg] = useState<string | undefined>();
  // The `before` of each page seen so far; '' for the first (the newest reads).
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<(AccessPage & { key: string }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const before = cursors[cursors.length - 1] ?? '';
  const key = JSON.stringify({ ...filters, before });
  useEffect(() => {
    let live = true;
    setPage(null);
    get<AccessPage>('/v1/audit/access', { ...toQuery(filters), order: 'newest', before, limit: PAGE }).then(
      (p) => {
        if (!live) return;
        setPage({ ...p, key });
        setError(null);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // key stands for the filters and the cursor.
  }, [key]);

  const apply = (f: Filters): void => {
    setFilters(f);
    setCursors(['']);
  };
  const defaults = lastDays();
  const initialValues: FormValues = { from: dayjs(defaults.fromDate), to: dayjs(defaults.toDate) };
  const afterToday = (d: Dayjs): boolean => day(d) > chinaToday();

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('menu.audit')}</Typography.Title>
      <ProblemAlert error={error} />
      <Card>
        <Form<FormValues>
          form={form}
          name="audit"
          layout="inline"
          initialValues={initialValues}
          style={{ marginBottom: 16, rowGap: 8 }}
          onFinish={(v) =>
            apply({
              personId: v.personId || undefined,
              batchId: v.batchId || undefined,
              orgCode: org,
              fromDate: v.from ? day(v.from) : undefined,
              toDate: v.to ? day(v.to) : undefined,
            })
          }
        >
          <Form.Item
            name="personId"
            label={t('audit.person')}
            normalize={(v?: string) => v?.trim()}
            rules={[{ pattern: PERSON_ID, message: t('audit.personInvalid') }]}
          >
            <Input allowClear placeholder={t('audit.personPlaceholder')} style={{ width: 280 }} />
          </Form.Item>
          <Form.Item
            name="batchId"
            label={t('batch.batchId')}
            normalize={(v?: string) => v?.trim()}
            rules={[{ pattern: BATCH_ID, message: t('validation.batchId') }]}
          >
            <Input allowClear style={{ width: 200 }} />
          </Form.Item>
          <Form.Item label={t('audit.org')} htmlFor="audit_org">
            <OrgPicker
              id="audit_org"
              ariaLabel={t('audit.org')}
              style={{ minWidth: 280 }}
              allowClear
              value={org}
              onChange={(code) => setOrg(code)}
              onClear={() => setOrg(undefined)}
            />
          </Form.Item>
          <Form.Item name="from" label={t('audit.from')}>
            <DatePicker disabledDate={afterToday} />
          </Form.Item>
          <Form.Item
            name="to"
            label={t('audit.to')}
            dependencies={['from']}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, to: Dayjs | null | undefined) => {
                  const from = getFieldValue('from') as Dayjs | null | undefined;
                  return from && to && day(to) < day(from) ? Promise.reject(new Error(t('audit.toBeforeFrom'))) : Promise.resolve();
                },
              }),
            ]}
          >
            <DatePicker disabledDate={afterToday} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t('common.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setOrg(undefined);
                apply(lastDays());
              }}
            >
              {t('audit.reset')}
            </Button>
          </Space>
        </Form>
        <Typography.Paragraph type="secondary" data-testid="audit-window">
          {t('audit.window', {
            from: filters.fromDate ?? t('audit.open'),
            to: filters.toDate ?? t('audit.open'),
            size: PAGE,
          })}
        </Typography.Paragraph>
        <div data-testid="audit-trail" data-loaded={page?.key}>
          <Table<AccessEvent>
            size="small"
            rowKey="eventId"
            loading={page === null && !error}
            dataSource={page?.events ?? []}
            pagination={false}
            columns={[
              {
                title: t('audit.at'),
                dataIndex: 'accessedAt',
                render: chinaTime,
                sorter: (a, b) => a.accessedAt.localeCompare(b.accessedAt),
              },
              {
                title: t('audit.who'),
                key: 'who',
                render: (_, e) => `${t(`roles.${e.actor.role}`, { defaultValue: e.actor.role })} ${e.actor.orgCode}`,
              },
              { title: t('audit.what'), dataIndex: 'type', render: (ty: string) => t(`audit.type_${ty}`, { defaultValue: ty }) },
              { title: t('audit.subject'), key: 'subject', render: (_, e) => e.personId ?? e.batchId ?? '', ellipsis: true },
              { title: t('audit.purpose'), dataIndex: 'purpose', render: (p: string) => t(`purpose.${p}`, { defaultValue: p }) },
            ]}
          />
        </div>
        <Space style={{ marginTop: 16 }}>
          <Button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('common.previous')}
          </Button>
          <Typography.Text>{t('audit.pageNo', { page: cursors.length })}</Typography.Text>
          <Button disabled={!page?.next} onClick={() => page?.next && setCursors((c) => [...c, page.next!])}>
            {t('common.next')}
          </Button>
        </Space>
      </Card>
    </Space>
  );
};
