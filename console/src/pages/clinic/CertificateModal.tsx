import { Alert, Button, Descriptions, Modal, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { enc, post } from '../../api/client';
import type { IssuedCertificate } from '../../api/types';
import { chinaTime } from '../../format';
import { ProblemAlert } from '../../shell/problem';

/**
 * Issues a signed vaccination certificate (a SMART Health Card of the person's valid doses,
 * POST /v1/persons/{personId}/certificates) and shows its QR code with what it covers, ready
 * to print (the page's print style shows only the certificate).
 */
export const CertificateModal = ({ personId, onClose }: { personId: string; onClose(): void }) => {
  const { t } = useTranslation();
  const [card, setCard] = useState<IssuedCertificate | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    post<IssuedCertificate>(`/v1/persons/${enc(personId)}/certificates`, {}).then(
      (c) => live && setCard(c),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [personId]);
  return (
    <Modal
      open
      width={560}
      title={t('certificate.title')}
      onCancel={onClose}
      destroyOnHidden
      wrapClassName="certificate-print"
      footer={
        <Space>
          <Button onClick={onClose}>{t('certificate.close')}</Button>
          <Button type="primary" disabled={!card} onClick={() => window.print()}>
            {t('certificate.print')}
          </Button>
        </Space>
      }
    >
      <ProblemAlert error={error} />
      {!card && !error && <Spin />}
      {card && (
        <div data-testid="certificate">
          <div style={{ textAlign: 'center' }}>
            <img
              src={`data:image/png;base64,${card.qrPng}`}
              alt={t('certificate.qrAlt')}
              data-testid="certificate-qr"
              style={{ width: 320, maxWidth: '100%', imageRendering: 'pixelated' }}
            />
          </div>
          {!card.fitsSingleQr && <Alert type="warning" showIcon title={t('certificate.tooBig')} />}
          <Typography.Paragraph>{t('certificate.validity')}</Typography.Paragraph>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('certificate.issuedAt')}>{chinaTime(card.issuedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('certificate.doses')}>
              <span data-testid="certificate-doses">{card.doses}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('certificate.covers')}>
              {card.origins.map((o) => (
                <div key={o.origin}>
                  {o.completeUpTo
                    ? t('certificate.originLine', { origin: o.origin, upTo: chinaTime(o.completeUpTo) })
                    : t('certificate.originUnknown', { origin: o.origin })}
                </div>
              ))}
            </Descriptions.Item>
            <Descriptions.Item label={t('certificate.issuer')}>{card.issuer}</Descriptions.Item>
            <Descriptions.Item label={t('certificate.kid')}>
              <Typography.Text code>{card.kid}</Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <details style={{ marginTop: 12 }} className="no-print">
            <summary>{t('certificate.qrText')}</summary>
            <Typography.Paragraph
              copyable={{ text: card.qr }}
              style={{ wordBreak: 'break-all', fontSize: 12 }}
              data-testid="certificate-qr-text"
            >
              {card.qr}
            </Typography.Paragraph>
          </details>
        </div>
      )}
    </Modal>
  );
};
