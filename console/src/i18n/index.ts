import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { en } from './en';
import { zhCN } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
const KEY = 'vaxledger.console.lang';

export const initialLang = (): Lang => (localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN');

void i18next.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: initialLang(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  returnNull: false,
});
dayjs.locale(initialLang() === 'en' ? 'en' : 'zh-cn');

export const switchLang = (lang: Lang): void => {
  localStorage.setItem(KEY, lang);
  dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  document.documentElement.lang = lang;
  void i18next.changeLanguage(lang);
};

export { i18next };
