import { Tag } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AefiReport } from '../../api/types';
import { hoursAndMinutes } from './aefi-values';

/** The time now, again every 30 seconds: deadlines count down on screen. */
export const useNow = (): number => {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
};

/** Signs and symptoms in words (a code the console has no words for is shown as it is). */
export const useSignWords = (): ((signs: readonly string[]) => string) => {
  const { t } = useTranslation();
  return (signs) => signs.map((s) => t(`aefiSign.${s}`, { defaultValue: s })).join(t('common.listSeparator'));
};

/** Where a report stands against its reporting deadline: acknowledged, time left, or overdue. */
export const DeadlineTag = ({ report, now }: { report: AefiReport; now: number }) => {
  const { t } = useTranslation();
  if (report.acknowledgedAt) return <Tag color="green">{t('aefi.acknowledged')}</Tag>;
  if (!report.deadlineAt) return null;
  const left = Date.parse(report.deadlineAt) - now;
  const hm = hoursAndMinutes(left);
  if (report.overdue || left < 0)
    return (
      <Tag color="red" data-testid="aefi-overdue">
        {t('aefi.overdueBy', hm)}
      </Tag>
    );
  return <Tag color={report.urgent ? 'orange' : 'blue'}>{t('aefi.timeLeft', hm)}</Tag>;
};

export const ClassTag = ({ aefiClass }: { aefiClass: string | null }) => {
  const { t } = useTranslation();
  return (
    <Tag color={aefiClass ? 'geekblue' : 'default'}>{t(`aefiClass.${aefiClass ?? 'unclassified'}`, { defaultValue: aefiClass ?? '' })}</Tag>
  );
};
