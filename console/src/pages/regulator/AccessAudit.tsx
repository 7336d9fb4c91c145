import { Button, Card, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../../api/client';
import { chinaTime } from '../../format';
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

const PAGE = 50;

/** Who read which person record (the access trail), a page at a time from the API's cursor. */
export const AccessAudit = () => {
  const { t } = useTranslation();
  const [cursors, setCursors] = useState<string[]>(['0']);
  const [page, setPage] = useState<{ events: AccessEvent[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const after = cursors[cursors.length - 1] ?? '0';
  useEffect(() => {
    get<{ events: AccessEvent[]; next: string | null }>('/v1/audit/access', { after, limit: PAGE }).then(setPage, setError);
  }, [after]);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('menu.audit')}</Typography.Title>
      <ProblemAlert error={error} />
      <Card>
        <Table<AccessEvent>
          size="small"
          rowKey="eventId"
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
        <Space style={{ marginTop: 16 }}>
          <Button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('common.previous')}
          </Button>
          <Button disabled={!page?.next} onClick={() => page?.next && setCursors((c) => [...c, page.next!])}>
            {t('common.next')}
          </Button>
        </Space>
      </Card>
    </Space>
  );
};
