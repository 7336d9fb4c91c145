import { App, Button, Descriptions, Drawer, Select, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { command, enc, get } from '../../api/client';
import type { AefiReport, CommandAnswer } from '../../api/types';
import { chinaTime, idempotencyKey } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';
import { AEFI_CLASSES } from './aefi-values';
import { ClassTag, DeadlineTag, useNow, useSignWords } from './AefiTexts';

/**
 * One AEFI report (pseudonymous: the description stays with the reporting unit): the CDC takes
 * the card (acknowledgement stops the reporting clock); a CDC or regulator classifies it.
 */
export const AefiReportDrawer = ({ reportId, onClose, onChanged }: { reportId: string; onClose(): void; onChanged(): void }) => {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const actor = useActor();
  const now = useNow();
  const signWords = useSignWords();
  const [report, setReport] = useState<AefiReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [aefiClass, setAefiClass] = useState<string | undefined>();
  const [busy, setBusy] = useState<'ack' | 'class' | null>(null);
  const orgs = useOrgs(report ? [...(report.reporterSite ? [report.reporterSite] : []), ...report.doses.map((d) => d.siteCode)] : []);
  const load = useCallback(async () => {
    try {
      const r = await get<AefiReport>(`/v1/aefi/${enc(reportId)}`);
      setReport(r);
      // A reload that lands after the user picked a class keeps the pick (a saved class equals it).
      setAefiClass((picked) => picked ?? r.aefiClass ?? undefined);
    } catch (e) {
      setError(e);
    }
  }, [reportId]);
  useEffect(() => void load(), [load]);

  const act = async (what: 'ack' | 'class'): Promise<void> => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'ack') await command<CommandAnswer>(`/v1/aefi/${enc(reportId)}/acknowledgement`, {}, idempotencyKey());
      else await command<CommandAnswer>(`/v1/aefi/${enc(reportId)}/classification`, { aefiClass }, idempotencyKey());
      void message.success(t(what === 'ack' ? 'aefi.acknowledged' : 'aefi.classified'));
      await load();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const site = (code: string | null): string => (code ? (orgs.get(code)?.name ?? code) : '—');
  const yesNo = (b: boolean): string => t(b ? 'common.yes' : 'common.no');
  return (
    <Drawer open size="large" title={t('aefi.reportId') + ' ' + reportId} onClose={onClose} destroyOnHidden>
      <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="aefi-report">
        <ProblemAlert error={error} />
        {report && (
          <>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('aefi.deadline')}>
                {chinaTime(report.deadlineAt)} <DeadlineTag report={report} now={now} />
                {report.urgent && <Tag color="orange">{t('aefi.urgent')}</Tag>}
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.acknowledgedAt')}>
                {report.acknowledgedAt ? chinaTime(report.acknowledgedAt) : t('aefi.notAcknowledged')}
                {report.acknowledgedLate && (
                  <Tag color="red" style={{ marginInlineStart: 8 }}>
                    {t('aefi.acknowledgedLate')}
                  </Tag>
                )}
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.aefiClass')}>
                <ClassTag aefiClass={report.aefiClass} />
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.reporterSite')}>{site(report.reporterSite)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.reportProvince')}>{report.reportProvince}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.discoveredAt')}>{chinaTime(report.discoveredAt)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.onsetAt')}>{chinaTime(report.onsetAt)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.signs')}>{signWords(report.signs)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.serious')}>
                {yesNo(report.serious)}
                {(report.seriousCriteria ?? []).length > 0 &&
                  `（${(report.seriousCriteria ?? []).map((c) => t(`seriousCriterion.${c}`, { defaultValue: c })).join(t('common.listSeparator'))}）`}
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.cluster')}>{yesNo(report.cluster)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.majorPublicImpact')}>{yesNo(report.majorPublicImpact)}</Descriptions.Item>
              <Descriptions.Item label={t('aefi.outcome')}>
                {t(`aefiOutcome.${report.outcome}`, { defaultValue: report.outcome })}
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.doses')}>
                {report.doses.map((d) => (
                  <div key={d.doseEventId}>
                    {actor.role === 'clinic' ? (
                      d.batchId
                    ) : (
                      <Link to={`/batches/${enc(d.batchId)}`} style={{ textDecoration: 'underline' }}>
                        {d.batchId}
                      </Link>
                    )}
                    {' · '}
                    {site(d.siteCode)} · {chinaTime(d.administeredAt)}
                  </div>
                ))}
              </Descriptions.Item>
              <Descriptions.Item label={t('aefi.narrativeInVault')}>
                {t(report.narrativeInVault ? 'aefi.narrativeKept' : 'aefi.narrativeNone')}
              </Descriptions.Item>
            </Descriptions>
            {actor.role === 'cdc' && !report.acknowledgedAt && (
              <Button type="primary" loading={busy === 'ack'} onClick={() => void act('ack')}>
                {t('aefi.acknowledge')}
              </Button>
            )}
            {(actor.role === 'cdc' || actor.role === 'regulator') && (
              <Space wrap>
                <Typography.Text>{t('aefi.aefiClass')}</Typography.Text>
                <Select
                  aria-label={t('aefi.aefiClass')}
                  style={{ width: 220 }}
                  value={aefiClass}
                  onChange={setAefiClass}
                  options={AEFI_CLASSES.map((c) => ({ value: c, label: t(`aefiClass.${c}`) }))}
                />
                <Button
                  disabled={!aefiClass || aefiClass === report.aefiClass}
                  loading={busy === 'class'}
                  onClick={() => void act('class')}
                >
                  {t('aefi.classify')}
                </Button>
              </Space>
            )}
          </>
        )}
      </Space>
    </Drawer>
  );
};
