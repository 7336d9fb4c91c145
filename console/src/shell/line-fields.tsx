import { Button, Form, Input, InputNumber, Space } from 'antd';
import type { NamePath } from 'antd/es/form/interface';
import { useTranslation } from 'react-i18next';

/** A batch id as the API spells it: product code, a hyphen, the lot number. */
export const BATCH_ID = /^[0-9A-Za-z]{1,20}-[0-9A-Z]{1,20}$/;

/**
 * A whole number of doses or units within [min, max] (the lines of a shipment, a receipt or a
 * batch): the same rule, message and control everywhere a quantity is typed.
 */
export const QuantityItem = ({ name, label, min = 1, max }: { name: NamePath; label: string; min?: number; max?: number }) => {
  const { t } = useTranslation();
  return (
    <Form.Item
      name={name}
      label={label}
      rules={[{ required: true, type: 'integer', min, ...(max === undefined ? {} : { max }), message: t('validation.quantity') }]}
    >
      <InputNumber min={min} {...(max === undefined ? {} : { max })} />
    </Form.Item>
  );
};

/** A batch id field, checked before it is sent. */
export const BatchIdItem = ({ name }: { name: NamePath }) => {
  const { t } = useTranslation();
  return (
    <Form.Item name={name} label={t('dose.batch')} rules={[{ required: true, pattern: BATCH_ID, message: t('validation.batchId') }]}>
      <Input autoComplete="off" />
    </Form.Item>
  );
};

/** Lines of batch and quantity (form field `name`: `{ batchId, quantity }[]`), one or more. */
export const BatchLines = ({ name }: { name: string }) => {
  const { t } = useTranslation();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <>
          {fields.map((f) => (
            <Space key={f.key} align="baseline">
              <BatchIdItem name={[f.name, 'batchId']} />
              <QuantityItem name={[f.name, 'quantity']} label={t('shipment.quantity')} />
              {fields.length > 1 && <Button onClick={() => remove(f.name)}>{t('common.remove')}</Button>}
            </Space>
          ))}
          <Button onClick={() => add({ quantity: 1 })}>{t('shipment.addLine')}</Button>
        </>
      )}
    </Form.List>
  );
};
