import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/** Plain words for a refusal: the catalogue's text for its stable code, else the API's detail. */
export const useProblemText = (): ((error: unknown) => string) => {
  const { t } = useTranslation();
  return (error: unknown) => {
    if (error instanceof ApiError) {
      const words = t(`errors.${error.code}`, { defaultValue: '' });
      return `${words || error.detail} (${error.code})`;
    }
    return t('errors.UNEXPECTED');
  };
};

export const ProblemAlert = ({ error }: { error: unknown }) => {
  const text = useProblemText();
  if (!error) return null;
  return <Alert type="error" showIcon role="alert" title={text(error)} data-testid="problem" />;
};
