import { describe, expect, it } from 'vitest';
import { zhCN } from './zh-CN.ts';
import { en } from './en.ts';
import { initI18n, setLanguage, localName } from './index.ts';

const keys = (o: object, p = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${p}${k}.`) : [`${p}${k}`]));

describe('i18n', () => {
  it('English has exactly the zh-CN keys and no empty strings', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
    for (const k of keys(en)) expect(k.split('.').reduce((o: never, p) => o[p], en as never)).not.toBe('');
  });

  it('defaults to zh-CN and switches to English', () => {
    const i = initI18n();
    expect(i.language).toBe('zh-CN');
    expect(i.t('layer.lease')).toBe('租赁状态');
    expect(i.t('drill.level', { level: 3 })).toBe('3 层');
    setLanguage('en');
    expect(i.t('layer.lease')).toBe('Lease status');
    expect(localName({ name: '一号楼', nameEn: 'Building 1' })).toBe('Building 1');
    expect(localName({ name: '一号楼', nameEn: null })).toBe('一号楼');
    setLanguage('zh-CN');
    expect(localName({ name: '一号楼', nameEn: 'Building 1' })).toBe('一号楼');
  });
});
