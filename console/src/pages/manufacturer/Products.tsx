import { Card, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Product } from '../../api/types';
import { PagedTable } from '../../shell/paged';
import { useActor } from '../../shell/session';

/** The manufacturer's own products (registered through the API; see /docs). */
export const Products = () => {
  const { t } = useTranslation();
  const actor = useActor();
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('menu.products')}</Typography.Title>
      <Card>
        <PagedTable<Product>
          rowKey="productCode"
          path="/v1/products"
          query={{ mahOrgCode: actor.orgCode }}
          columns={[
            { title: t('product.code'), dataIndex: 'productCode', sorter: true },
            { title: t('product.name'), dataIndex: 'name', sorter: true },
            {
              title: t('product.vaccineType'),
              dataIndex: 'vaccineType',
              sorter: true,
              render: (v: string) => t(`vaccineType.${v}`, { defaultValue: v }),
            },
            { title: t('product.approvalNo'), dataIndex: 'approvalNo' },
            {
              title: t('product.serialised'),
              dataIndex: 'serialised',
              render: (s: boolean) => <Tag>{t(s ? 'common.yes' : 'common.no')}</Tag>,
            },
          ]}
        />
      </Card>
    </Space>
  );
};
