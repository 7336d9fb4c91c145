import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Lang, switchLang } from '../i18n';

export const LangSwitch = () => {
  const { i18n, t } = useTranslation();
  return (
    <Segmented<Lang>
      aria-label={t('shell.language')}
      value={i18n.language === 'en' ? 'en' : 'zh-CN'}
      options={[
        { value: 'zh-CN', label: '中文' },
        { value: 'en', label: 'English' },
      ]}
      onChange={switchLang}
    />
  );
};
