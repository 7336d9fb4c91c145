import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLOURS: Record<string, string> = {
  released: 'green',
  awaiting_release: 'gold',
  pending: 'gold',
  release_refused: 'red',
  refused: 'red',
  recalled: 'red',
  suspended: 'volcano',
};

export const StatusTag = ({ status }: { status: string | undefined }) => {
  const { t } = useTranslation();
  if (!status) return null;
  return <Tag color={COLOURS[status] ?? 'default'}>{t(`status.${status}`, { defaultValue: status })}</Tag>;
};
