// Renders a Receipt as the text of a 32-column thermal voucher (签购单). An ESC/POS sink renders bytes from the
// same Receipt; nothing here knows about a device.
import type { Receipt } from './types';

const WIDTH = 32;

const TITLES: Record<Receipt['kind'], string> = {
  sale: '消费 SALE',
  void: '消费撤销 VOID',
  refund: '退货 REFUND',
};

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** yyyy/MM/dd HH:mm:ss in UTC, so receipts are the same on every machine. */
export function receiptDateTime(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Fen as yuan with two decimals: 12345 → "123.45". */
export function formatAmount(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${pad2(abs % 100)}`;
}

export function formatReceipt(r: Receipt): string {
  const amount = (r.kind === 'sale' ? '' : '-') + formatAmount(r.amount);
  const lines = [
    'POS签购单 POS SALES SLIP',
    ...(r.reprint ? ['重打印 REPRINT'] : []),
    '-'.repeat(WIDTH),
    `商户名称 MERCHANT: ${r.merchantName}`,
    `商户编号 MERCHANT NO: ${r.merchantId}`,
    `终端编号 TERMINAL NO: ${r.terminalId}`,
    `卡号 CARD NO: ${r.panMasked}`,
    `交易类型 TRANS TYPE: ${TITLES[r.kind]}`,
    `批次号 BATCH NO: ${r.batch}`,
    `凭证号 VOUCHER NO: ${r.stan}`,
    ...(r.originalStan !== undefined ? [`原凭证号 ORIG VOUCHER: ${r.originalStan}`] : []),
    `授权码 AUTH NO: ${r.authCode}`,
    `参考号 REF NO: ${r.rrn}`,
    `日期时间 DATE/TIME: ${receiptDateTime(r.at)}`,
    `金额 AMOUNT: RMB ${amount}`,
    '-'.repeat(WIDTH),
    '持卡人签名 CARDHOLDER SIGNATURE',
    '',
    '本人确认以上交易，同意将其记入本卡账户',
    'I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES',
  ];
  return lines.join('\n') + '\n';
}
