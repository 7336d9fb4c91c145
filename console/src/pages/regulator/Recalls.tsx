import { Card, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { enc } from '../../api/client';
import { chinaTime } from '../../format';
import { PagedTable } from '../../shell/paged';

interface RecallRow {
  recallId: string;
  batchIds: string[];
  kind: string;
  level: number;
  reasonCode: string;
  effectiveAt: string;
  lifted: boolean;
}

/** Recalls in the caller's jurisdiction, with each batch's impact page. */
export const Recalls = () => {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string | undefined>();
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('menu.recalls')}</Typography.Title>
      <Card
        extra={
          <Select
            allowClear
            aria-label={t('common.status')}
            placeholder={t('common.status')}
            style={{ width: 160 }}
            onChange={setStatus}
            options={['active', 'lifted'].map((s) => ({ value: s, label: t(`recall.status_${s}`) }))}
          />
        }
      >
        <PagedTable<RecallRow>
          rowKey="recallId"
          path="/v1/recalls"
          query={{ status }}
          columns={[
            { title: t('recall.effectiveAt'), dataIndex: 'effectiveAt', render: chinaTime, sorter: true },
            { title: t('recall.kind'), dataIndex: 'kind', render: (k: string) => t(`recall.kind_${k}`, { defaultValue: k }) },
            {
              title: t('recall.level'),
              dataIndex: 'level',
              sorter: true,
              render: (level: number) => t(`recall.level_${level}`, { defaultValue: String(level) }),
            },
            { title: t('recall.reasonCode'), dataIndex: 'reasonCode', render: (r: string) => t(`recall.reason_${r}`, { defaultValue: r }) },
            {
              title: t('impact.open'),
              dataIndex: 'batchIds',
              render: (ids: string[] = []) => (
                <Space wrap>
                  {ids.map((id) => (
                    <Link key={id} to={`/batches/${enc(id)}/impact`}>
                      {id}
                    </Link>
                  ))}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
};
