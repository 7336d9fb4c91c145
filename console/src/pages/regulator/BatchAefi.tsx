import { Card, Col, Empty, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { enc, get } from '../../api/client';
import type { AefiReport, BatchAefi as BatchAefiView } from '../../api/types';
import { chinaTime } from '../../format';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { ClassTag, useSignWords } from '../aefi/AefiTexts';
import { AEFI_CLASSES } from '../aefi/aefi-values';
import { pRelation, rate } from '../aefi/Signals';

/** A batch's AEFI view: reports by seriousness and class, the rate per 100,000 doses (all provinces), signals, the reports. */
export const BatchAefi = ({ batchId, refresh }: { batchId: string; refresh: number }) => {
  const { t } = useTranslation();
  const actor = useActor();
  const signWords = useSignWords();
  const [view, setView] = useState<BatchAefiView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<BatchAefiView>(`/v1/batches/${enc(batchId)}/aefi`).then(
      (v) => {
        setView(v);
        setError(null);
      },
      (e: unknown) => setError(e),
    );
  }, [batchId, refresh]);
  // The ledger's classes in their order, then anything else it counted; "not classified" last.
  const classes = view
    ? [...AEFI_CLASSES, ...Object.keys(view.byClass).filter((c) => !(AEFI_CLASSES as readonly string[]).includes(c))].filter(
        (c) => (view.byClass[c] ?? 0) > 0,
      )
    : [];
  // Only CDCs and regulators may open a report (a manufacturer sees the batch's counts).
  const canOpen = actor.role === 'cdc' || actor.role === 'regulator';
  return (
    <Card title={t('aefi.batchTitle')} data-testid="batch-aefi">
      <ProblemAlert error={error} />
      {view && view.reports === 0 && <Empty description={t('aefi.noReports')} />}
      {view && view.reports > 0 && (
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Row gutter={16}>
            <Col xs={12} md={6}>
              <Statistic title={t('aefi.batchReports')} value={view.reports} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('aefi.seriousCount')} value={view.bySeriousness.serious} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('aefi.nonSeriousCount')} value={view.bySeriousness.nonSerious} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('aefi.ratePer100k')} value={rate(view.ratePer100k)} />
            </Col>
          </Row>
          <div data-testid="batch-aefi-classes">
            <Typography.Text strong>{t('aefi.byClass')}：</Typography.Text>{' '}
            {classes.map((c) => (
              <Tag key={c} color={c === 'unclassified' ? 'default' : 'geekblue'}>
                {t(`aefiClass.${c}`, { defaultValue: c })} {view.byClass[c]}
              </Tag>
            ))}
          </div>
          <div data-testid="batch-aefi-signals">
            <Typography.Text strong>{t('aefi.signalsTitle')}：</Typography.Text>{' '}
            {view.signals.length === 0
              ? t('aefi.noSignals')
              : view.signals.map((s) => (
                  <Typography.Paragraph key={s.signalId} type="danger" style={{ marginBottom: 4 }}>
                    {t('aefi.signalLine', {
                      at: chinaTime(s.raisedAt),
                      reports: s.reports,
                      doses: s.doses,
                      rate: rate(s.ratePer100k),
                      expected: s.expected.toFixed(2),
                      p: pRelation(s.pValue),
                    })}
                  </Typography.Paragraph>
                ))}
          </div>
          <Table<AefiReport>
            size="small"
            rowKey="reportId"
            data-testid="batch-aefi-reports"
            dataSource={view.reportList}
            pagination={{ pageSize: 10 }}
            columns={[
              { title: t('aefi.discoveredAt'), dataIndex: 'discoveredAt', render: chinaTime },
              { title: t('aefi.signs'), dataIndex: 'signs', render: (signs: string[]) => signWords(signs) },
              {
                title: t('aefi.serious'),
                dataIndex: 'serious',
                render: (serious: boolean) => (serious ? <Tag color="red">{t('aefi.serious')}</Tag> : t('common.no')),
              },
              {
                title: t('aefi.outcome'),
                dataIndex: 'outcome',
                render: (o: string) => t(`aefiOutcome.${o}`, { defaultValue: o }),
              },
              { title: t('aefi.aefiClass'), dataIndex: 'aefiClass', render: (c: string | null) => <ClassTag aefiClass={c} /> },
              {
                title: t('aefi.reportId'),
                dataIndex: 'reportId',
                render: (id: string) => (canOpen ? <Link to={`/aefi/${enc(id)}`}>{id.slice(0, 8)}</Link> : id.slice(0, 8)),
              },
            ]}
          />
        </Space>
      )}
    </Card>
  );
};
