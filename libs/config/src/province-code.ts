/** A GB/T 2260 province-level code (two digits and 0000), or 000000 for the national hub. */
export const PROVINCE = /^(000000|(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000)$/;
