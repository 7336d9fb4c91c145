import { Button, Layout, Menu, Space, Tag, Typography } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { LangSwitch } from './LangSwitch';
import { type Role, useActor, useSession } from './session';

/** Each role's pages, in menu order; the first is its main page. */
export const MENU: Record<Role, readonly string[]> = {
  regulator: ['/batches', '/aefi', '/signals', '/recalls', '/audit'],
  cdc: ['/stock', '/shipments', '/aefi', '/recalls'],
  clinic: ['/doses', '/shipments', '/stock'],
  manufacturer: ['/products', '/my-batches', '/signals', '/shipments'],
};

export const AppShell = ({ children }: { children: ReactNode }) => {
  const { t } = useTranslation();
  const actor = useActor();
  const { signOut, authMode } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const selected = MENU[actor.role].find((p) => location.pathname.startsWith(p)) ?? '';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light" width={210}>
        <div className="brand">{t('shell.brand')}</div>
        <nav aria-label={t('shell.navigation')}>
          <Menu
            mode="inline"
            selectedKeys={[selected]}
            items={MENU[actor.role].map((path) => ({ key: path, label: t(`menu.${path.slice(1)}`) }))}
            onClick={({ key }) => void navigate(key)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="topbar">
          <Space wrap>
            <Typography.Text strong>{t(`roles.${actor.role}`)}</Typography.Text>
            <Typography.Text type="secondary">
              {actor.orgCode} · {actor.provinceCode === '000000' ? t('shell.national') : actor.provinceCode}
            </Typography.Text>
            {authMode !== 'jwt' && <Tag color="orange">{t('signIn.development')}</Tag>}
          </Space>
          <Space>
            <LangSwitch />
            <Button onClick={signOut}>{t('shell.signOut')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>{children}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
};
