import { App, Button, Card, Form, Input, Radio, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { command, enc, type Page } from '../../api/client';
import type { AefiReport, CommandAnswer } from '../../api/types';
import { chinaTime, idempotencyKey } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { PagedTable } from '../../shell/paged';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { AefiReportDrawer } from './AefiReportDrawer';
import { ClassTag, DeadlineTag, useNow, useSignWords } from './AefiTexts';

/** A page of the queue adds how many of all its reports are overdue, and when that was judged. */
type AefiQueuePage = Page<AefiReport> & { overdue: number; asOf: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * AEFI reports of the caller's jurisdiction (CDC, regulator): those awaiting acknowledgement,
 * a page at a time from the API (which records each page's persons in the access audit),
 * earliest deadline first, the time left on each and the overdue ones marked; acknowledge
 * (CDC), open a report, classify it. `/aefi/{reportId}` opens one report.
 */
export const AefiPage = () => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const actor = useActor();
  const navigate = useNavigate();
  const opened = useParams().reportId ?? null;
  const now = useNow();
  const signWords = useSignWords();
  const [which, setWhich] = useState<'open' | 'overdue'>('open');
  /** Bumped to fetch the current page again (after an acknowledgement or a classification). */
  const [refresh, setRefresh] = useState(0);
  /** How many reports of the whole queue are overdue (the answer's `overdue`, not just this page's). */
  const [overdue, setOverdue] = useState(0);
  const [sites, setSites] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [search] = Form.useForm<{ reportId: string }>();
  const reload = () => setRefresh((n) => n + 1);
  const orgs = useOrgs(sites);
  const open = (reportId: string) => void navigate(`/aefi/${enc(reportId)}`);

  /** Takes the card and opens it, to classify next. */
  const acknowledge = async (reportId: string): Promise<void> => {
    setBusy(reportId);
    try {
      await command<CommandAnswer>(`/v1/aefi/${enc(reportId)}/acknowledgement`, {}, idempotencyKey());
      void message.success(t('aefi.acknowledged'));
      setError(null);
      reload();
      open(reportId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('aefi.title')}</Typography.Title>
      <ProblemAlert error={error} />
      <Card
        title={
          <Space wrap>
            {t('aefi.queue')}
            {overdue > 0 && (
              <Tag color="red" data-testid="aefi-overdue-count">
                {t('aefi.overdueCount', { count: overdue })}
              </Tag>
            )}
          </Space>
        }
        extra={
          <Radio.Group
            aria-label={t('aefi.show')}
            optionType="button"
            value={which}
            onChange={(e) => setWhich(e.target.value as 'open' | 'overdue')}
            options={[
              { value: 'open', label: t('aefi.all') },
              { value: 'overdue', label: t('aefi.overdueOnly') },
            ]}
          />
        }
      >
        <Typography.Paragraph type="secondary">{t('aefi.queueHint')}</Typography.Paragraph>
        <Form form={search} layout="inline" style={{ marginBottom: 16 }} onFinish={(v) => open(v.reportId.trim().toLowerCase())}>
          <Form.Item
            name="reportId"
            label={t('aefi.openById')}
            rules={[{ required: true, pattern: UUID, message: t('aefi.openByIdInvalid'), transform: (v: string) => v?.trim() }]}
          >
            <Input placeholder={t('aefi.openByIdPlaceholder')} style={{ width: 380 }} autoComplete="off" />
          </Form.Item>
          <Button htmlType="submit">{t('aefi.open')}</Button>
        </Form>
        {/* One page at a time, sorted by the API (earliest deadline first unless a column says otherwise). */}
        <PagedTable<AefiReport>
          key={which}
          size="small"
          rowKey="reportId"
          data-testid="aefi-queue"
          path={which === 'overdue' ? '/v1/aefi/overdue' : '/v1/aefi'}
          query={{}}
          refresh={refresh}
          defaultSort={{ sort: 'deadlineAt', order: 'asc' }}
          onLoaded={(items, _total, page) => {
            setOverdue((page as AefiQueuePage).overdue);
            setSites([...new Set(items.flatMap((r) => (r.reporterSite ? [r.reporterSite] : [])))]);
          }}
          locale={{ emptyText: t('aefi.emptyQueue') }}
          rowClassName={(r) => (r.overdue ? 'aefi-overdue' : '')}
          columns={[
            {
              title: t('aefi.deadline'),
              dataIndex: 'deadlineAt',
              sorter: true,
              defaultSortOrder: 'ascend',
              render: (_, r) => (
                <Space orientation="vertical" size={0}>
                  <span>{chinaTime(r.deadlineAt)}</span>
                  <DeadlineTag report={r} now={now} />
                </Space>
              ),
            },
            { title: t('aefi.discoveredAt'), dataIndex: 'discoveredAt', render: chinaTime, sorter: true },
            { title: t('aefi.signs'), dataIndex: 'signs', render: (signs: string[]) => signWords(signs) },
            {
              title: t('aefi.serious'),
              key: 'serious',
              render: (_, r) => (
                <Space size={4} wrap>
                  {r.serious ? <Tag color="red">{t('aefi.serious')}</Tag> : t('common.no')}
                  {r.cluster && <Tag color="volcano">{t('aefi.cluster')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('aefi.reporterSite'),
              dataIndex: 'reporterSite',
              render: (s: string | null) => (s ? (orgs.get(s)?.name ?? s) : '—'),
            },
            {
              title: t('batch.batchId'),
              key: 'batches',
              render: (_, r) => [...new Set(r.doses.map((d) => d.batchId))].join(t('common.listSeparator')),
            },
            { title: t('aefi.aefiClass'), dataIndex: 'aefiClass', render: (c: string | null) => <ClassTag aefiClass={c} /> },
            {
              title: '',
              key: 'actions',
              render: (_, r) => (
                <Space>
                  <Button size="small" onClick={() => open(r.reportId)}>
                    {t('aefi.open')}
                  </Button>
                  {actor.role === 'cdc' && !r.acknowledgedAt && (
                    <Button size="small" type="primary" loading={busy === r.reportId} onClick={() => void acknowledge(r.reportId)}>
                      {t('aefi.acknowledge')}
                    </Button>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {opened && <AefiReportDrawer key={opened} reportId={opened} onClose={() => void navigate('/aefi')} onChanged={reload} />}
    </Space>
  );
};
