import type { FormInstance } from 'antd';
import dayjs from 'dayjs';
import { useEffect } from 'react';

/**
 * What was typed survives a sign-in: before the console leaves for the identity provider
 * (an expired token), every open form's values go to sessionStorage (this tab only); each form
 * takes its own back when it is shown again, and the copy is deleted then.
 */
const PREFIX = 'vaxledger.console.draft.';
const open = new Map<string, FormInstance>();

const encode = (value: unknown): unknown => {
  if (dayjs.isDayjs(value)) return { $dayjs: value.toISOString() };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
};

const decode = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const { $dayjs } = value as { $dayjs?: unknown };
    if (typeof $dayjs === 'string') return dayjs($dayjs);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
};

/** Keeps the values of every form now on screen (called just before leaving for sign-in). */
export const saveDrafts = (): void => {
  for (const [name, form] of open) {
    try {
      sessionStorage.setItem(PREFIX + name, JSON.stringify(encode(form.getFieldsValue(true))));
    } catch {
      // Storage full or refused: the sign-in still comes back, only the draft is lost.
    }
  }
};

/**
 * Registers a form under a name for saveDrafts, and gives it back its saved values, once.
 * `shown`: false while the form is not on screen (a closed dialog); it is filled when shown.
 */
export const useDraft = (name: string, form: FormInstance, shown = true): void => {
  useEffect(() => {
    if (!shown) return undefined;
    const saved = sessionStorage.getItem(PREFIX + name);
    // After this render's commit, so a form inside a dialog is connected when it is filled.
    const restore =
      saved === null
        ? undefined
        : setTimeout(() => {
            sessionStorage.removeItem(PREFIX + name);
            try {
              form.setFieldsValue(decode(JSON.parse(saved)) as object);
            } catch {
              // A draft that no longer parses is dropped.
            }
          }, 0);
    open.set(name, form);
    return () => {
      clearTimeout(restore);
      if (open.get(name) === form) open.delete(name);
    };
  }, [name, form, shown]);
};
