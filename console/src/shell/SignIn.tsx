import { Alert, Button, Card, Form, Input, Radio, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, type Page } from '../api/client';
import type { Organisation } from '../api/types';
import { provinceOfOrg } from '../format';
import { LangSwitch } from './LangSwitch';
import { OrgPicker } from './org-picker';
import { type Actor, type Role, ROLES, useSession } from './session';

// The example organisations of API.md, so an empty node can be tried at once.
const DEFAULTS: Record<Role, { orgCode: string; provinceCode: string }> = {
  regulator: { orgCode: '12110000450712347E', provinceCode: '000000' },
  cdc: { orgCode: '12510000MB0A1234XJ', provinceCode: '510000' },
  clinic: { orgCode: '12440300MB1B2345QN', provinceCode: '440000' },
  manufacturer: { orgCode: '91320000MA1X0Y2W3E', provinceCode: '320000' },
};
// Organisations are master data every business role may list: the picker lists them as a regulator.
const LISTER = { 'X-Dev-Actor': `regulator:${DEFAULTS.regulator.orgCode}:000000` };
const KIND: Record<Role, string> = { regulator: 'regulator', cdc: 'cdc', clinic: 'clinic', manufacturer: 'manufacturer' };

/** The sign-in page: the identity provider's (AUTH_MODE=jwt), else the development role picker. */
export const SignIn = () => {
  const { authMode } = useSession();
  return authMode === 'jwt' ? <ProviderSignIn /> : <DevSignIn />;
};

/**
 * Sign-in with the node's identity provider (OpenID Connect, authorization code with PKCE):
 * one button that leaves for the provider's page; it sends the browser back signed in.
 */
const ProviderSignIn = () => {
  const { t } = useTranslation();
  const { oidc, signInWithProvider, signInProblem } = useSession();
  return (
    <main className="signin">
      <Card title={t('signIn.title')} extra={<LangSwitch />} style={{ maxWidth: 560, margin: '64px auto' }}>
        {signInProblem && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('signIn.failed')}
            description={signInProblem.startsWith('signIn.') ? t(signInProblem) : signInProblem}
          />
        )}
        {oidc ? (
          <>
            <Typography.Paragraph>{t('signIn.providerExplain', { issuer: oidc.issuer })}</Typography.Paragraph>
            <Button type="primary" block onClick={signInWithProvider}>
              {t('signIn.withProvider')}
            </Button>
          </>
        ) : (
          <Alert type="warning" showIcon title={t('signIn.noProvider')} />
        )}
      </Card>
    </main>
  );
};

/**
 * Development sign-in (AUTH_MODE=dev, embedded default only): pick a role and an organisation;
 * the console then sends X-Dev-Actor. Clearly marked: no password, no real identity.
 */
const DevSignIn = () => {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [form] = Form.useForm<Actor>();
  const role = (Form.useWatch('role', form) ?? 'regulator') as Role;
  const [registered, setRegistered] = useState(0);
  const [picked, setPicked] = useState<string | undefined>();
  useEffect(() => {
    form.setFieldsValue(DEFAULTS[role]);
    setPicked(undefined);
    // Whether the node already has organisations of that kind (the demo data) to offer; the
    // picker then searches them on the node as the user types, however many there are.
    get<Page<Organisation>>('/v1/organisations', { kind: KIND[role], pageSize: 1 }, LISTER)
      .then((p) => setRegistered(p.total))
      .catch(() => setRegistered(0));
  }, [role, form]);
  return (
    <main className="signin">
      <Card
        title={
          <Space>
            <span>{t('signIn.title')}</span>
            <Tag color="orange">{t('signIn.development')}</Tag>
          </Space>
        }
        extra={<LangSwitch />}
        style={{ maxWidth: 560, margin: '64px auto' }}
      >
        <Typography.Paragraph>{t('signIn.devExplain')}</Typography.Paragraph>
        <Form form={form} layout="vertical" initialValues={{ role: 'regulator', ...DEFAULTS.regulator }} onFinish={(v) => signIn(v)}>
          <Form.Item name="role" label={t('signIn.role')}>
            <Radio.Group optionType="button" buttonStyle="solid" options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
          </Form.Item>
          {registered > 0 && (
            <Form.Item label={t('signIn.pickOrg')}>
              <OrgPicker
                key={role}
                ariaLabel={t('signIn.pickOrg')}
                kind={KIND[role]}
                headers={LISTER}
                value={picked}
                onChange={(code, org) => {
                  setPicked(code);
                  form.setFieldsValue({
                    orgCode: code,
                    provinceCode: role === 'regulator' ? '000000' : (org?.provinceCode ?? provinceOfOrg(code)),
                  });
                }}
              />
            </Form.Item>
          )}
          <Form.Item
            name="orgCode"
            label={t('signIn.orgCode')}
            rules={[{ required: true, pattern: /^[0-9A-Z]{18}$/, message: t('validation.orgCode') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="provinceCode"
            label={t('signIn.province')}
            extra={t('signIn.provinceHint')}
            rules={[{ required: true, pattern: /^\d{6}$/, message: t('validation.province') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block>
            {t('signIn.submit')}
          </Button>
        </Form>
      </Card>
    </main>
  );
};
