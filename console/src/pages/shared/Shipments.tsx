import { Button, Card, Form, Input, Space, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Shipment } from '../../api/types';
import { chinaTime } from '../../format';
import { useOrgs } from '../../shell/orgs';
import { PagedTable } from '../../shell/paged';
import { useActor } from '../../shell/session';
import { DispatchForm } from './DispatchForm';
import { ReceiveForm } from './ReceiveForm';

/** Shipments in and out of the caller's site: receive what arrives, dispatch with a delivery note. */
export const Shipments = () => {
  const { t } = useTranslation();
  const actor = useActor();
  const [direction, setDirection] = useState<'in' | 'out'>('in');
  const [note, setNote] = useState<string | undefined>();
  const [receiving, setReceiving] = useState<Shipment | null>(null);
  const [dispatching, setDispatching] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const [seen, setSeen] = useState<string[]>([]);
  const orgs = useOrgs(seen);
  const siteName = (code: string) => (orgs.get(code) ? `${orgs.get(code)!.name} (${code})` : code);
  const canDispatch = actor.role === 'manufacturer' || actor.role === 'cdc';
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('menu.shipments')}
        </Typography.Title>
        {canDispatch && (
          <Button type="primary" onClick={() => setDispatching(true)}>
            {t('shipment.dispatch')}
          </Button>
        )}
      </Space>
      <Card>
        <Form layout="inline" onFinish={(v: { note?: string }) => setNote(v.note?.trim() || undefined)} style={{ marginBottom: 16 }}>
          <Form.Item name="note" label={t('shipment.deliveryNoteNo')}>
            <Input allowClear />
          </Form.Item>
          <Button htmlType="submit">{t('common.search')}</Button>
        </Form>
        <Tabs
          activeKey={direction}
          onChange={(k) => setDirection(k as 'in' | 'out')}
          items={[
            { key: 'in', label: t('shipment.in') },
            { key: 'out', label: t('shipment.out') },
          ]}
        />
        <PagedTable<Shipment>
          rowKey="shipmentId"
          path="/v1/shipments"
          refresh={refresh}
          query={{ site: actor.orgCode, direction, deliveryNoteNo: note }}
          onLoaded={(items) => setSeen(items.flatMap((s) => [s.fromSite, s.toSite]))}
          columns={[
            { title: t('shipment.deliveryNoteNo'), dataIndex: 'deliveryNoteNo', sorter: true },
            { title: t('shipment.dispatchedAt'), dataIndex: 'dispatchedAt', render: chinaTime, sorter: true },
            direction === 'in'
              ? { title: t('shipment.from'), dataIndex: 'fromSite', render: siteName }
              : { title: t('shipment.to'), dataIndex: 'toSite', render: siteName },
            {
              title: t('shipment.lines'),
              dataIndex: 'lines',
              render: (lines: Shipment['lines'] = []) => lines.map((l) => `${l.batchId} × ${l.quantity}`).join(', '),
            },
            {
              title: t('common.status'),
              dataIndex: 'status',
              render: (s: string) => (
                <Tag color={s === 'received' ? 'green' : 'gold'}>{t(`shipment.status_${s}`, { defaultValue: s })}</Tag>
              ),
            },
            ...(direction === 'in'
              ? [
                  {
                    title: '',
                    key: 'receive',
                    render: (_: unknown, s: Shipment) =>
                      s.status !== 'received' && (
                        <Button size="small" type="primary" onClick={() => setReceiving(s)}>
                          {t('shipment.receive')}
                        </Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      {receiving && <ReceiveForm shipment={receiving} onClose={() => setReceiving(null)} onDone={() => setRefresh((r) => r + 1)} />}
      {dispatching && <DispatchForm onClose={() => setDispatching(false)} onDone={() => setRefresh((r) => r + 1)} />}
    </Space>
  );
};
