import { describe, expect, it } from 'vitest'
import { MAX_TEXT_LENGTH } from '../../../shared/protocol'
import { COUNTER_FROM, textLimit } from '../../../utils/chat/textLimit'

describe('message length limit', () => {
  it('shows no counter for an ordinary message', () => {
    expect(textLimit('你好')).toMatchObject({ length: 2, counter: false, over: false })
  })

  it('shows the counter from 3,600 and allows exactly the limit', () => {
    expect(textLimit('x'.repeat(COUNTER_FROM - 1)).counter).toBe(false)
    expect(textLimit('x'.repeat(COUNTER_FROM))).toMatchObject({ counter: true, over: false })
    expect(textLimit('x'.repeat(MAX_TEXT_LENGTH))).toMatchObject({ length: 4000, counter: true, over: false })
    expect(textLimit('x'.repeat(MAX_TEXT_LENGTH + 1))).toMatchObject({ length: 4001, over: true })
  })

  it('counts as the server does: UTF-16 code units of the untrimmed text', () => {
    // An emoji outside the BMP is two code units; the server's valibot maxLength counts .length.
    expect(textLimit('🏔️').length).toBe(3)
    expect(textLimit('😀'.repeat(2000)).over).toBe(false)
    expect(textLimit(`${'😀'.repeat(2000)} `).over).toBe(true)
  })
})
