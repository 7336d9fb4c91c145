import { Card, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { enc, get } from '../../api/client';
import type { InventoryLine } from '../../api/types';
import { OrgPicker } from '../../shell/org-picker';
import { ProblemAlert } from '../../shell/problem';
import { useActor } from '../../shell/session';

/** Stock per batch at the caller's site, or (a CDC) at any clinic it supervises; near-expiry and recalled stand out. */
export const Stock = () => {
  const { t } = useTranslation();
  const actor = useActor();
  const [site, setSite] = useState(actor.orgCode);
  const [lines, setLines] = useState<InventoryLine[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setLines(null);
    get<{ batches: InventoryLine[] }>(`/v1/sites/${enc(site)}/inventory`).then((s) => (setLines(s.batches), setError(null)), setError);
  }, [site]);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('menu.stock')}</Typography.Title>
      <ProblemAlert error={error} />
      <Card
        extra={
          actor.role === 'cdc' && (
            <OrgPicker
              ariaLabel={t('stock.site')}
              style={{ minWidth: 320 }}
              // A CDC sees the stock of the sites it supervises wherever they are (the Sichuan CDC
              // may look after a clinic in Shenzhen), not that of every clinic in its province:
              // offer those. The national CDC sees every clinic.
              {...(actor.provinceCode === '000000' ? { kind: 'clinic' } : { supervisedBy: actor.orgCode.slice(0, 18) })}
              value={site}
              onChange={(code) => setSite(code)}
              fixed={[{ value: actor.orgCode, label: `${t('stock.ownSite')} (${actor.orgCode})` }]}
            />
          )
        }
      >
        <Table<InventoryLine>
          rowKey="batchId"
          data-testid="stock-table"
          loading={lines === null && !error}
          dataSource={lines ?? []}
          pagination={{ pageSize: 20 }}
          columns={[
            {
              title: t('batch.batchId'),
              dataIndex: 'batchId',
              render: (id: string) => <Link to={`/batches/${enc(id)}`}>{id}</Link>,
              sorter: (a, b) => a.batchId.localeCompare(b.batchId),
            },
            { title: t('stock.available'), dataIndex: 'available', align: 'right', sorter: (a, b) => a.available - b.available },
            { title: t('stock.quarantined'), dataIndex: 'quarantined', align: 'right' },
            { title: t('stock.inTransit'), dataIndex: 'inTransit', align: 'right' },
            { title: t('batch.expiresOn'), dataIndex: 'expiresOn', sorter: (a, b) => (a.expiresOn ?? '').localeCompare(b.expiresOn ?? '') },
            {
              title: t('common.status'),
              key: 'flags',
              render: (_, l) => (
                <Space>
                  {l.recalled && <Tag color="red">{t('status.recalled')}</Tag>}
                  {l.expired && <Tag color="red">{t('stock.expired')}</Tag>}
                  {l.expiringWithin30Days && <Tag color="orange">{t('stock.nearExpiry')}</Tag>}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
};
