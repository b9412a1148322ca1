import { mountSuspended } from '@nuxt/test-utils/runtime'
import { beforeEach, describe, expect, it } from 'vitest'
import MessageLine from '~/components/chat/MessageLine.vue'

const stored = { key: 'm1', id: 'm1', seq: 1, from: 2, text: '你好', ts: Date.parse('2026-11-30T08:05:00Z') }
const waiting = { key: 'c1', cid: 'c1', from: 1, text: '离线时写的', ts: Date.parse('2026-11-30T07:00:00Z'), pending: 'sending' as const }

describe('MessageLine', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
  })

  it('names the writer for screen readers where side and colour show it, and visibly where asked', async () => {
    const theirs = await mountSuspended(MessageLine, { props: { item: stored, own: false, author: '小红', status: 'received' } })
    expect(theirs.get('.visually-hidden').text()).toBe('小红：')
    expect(theirs.find('.sender').exists()).toBe(false)
    const inGroup = await mountSuspended(MessageLine, { props: { item: stored, own: false, author: '小红', showAuthor: true, status: 'received' } })
    expect(inGroup.get('.sender').text()).toBe('小红')
    expect(inGroup.find('.visually-hidden').exists()).toBe(false)
  })

  it('shows the time a line was stored, and none while it waits to be sent', async () => {
    const sent = await mountSuspended(MessageLine, { props: { item: stored, own: false, author: '小红', status: 'received' } })
    expect(sent.get('time').attributes('datetime')).toBe('2026-11-30T08:05:00.000Z')
    const pending = await mountSuspended(MessageLine, { props: { item: waiting, own: true, author: '你', status: 'sending' } })
    expect(pending.find('time').exists()).toBe(false)
    expect(pending.get('.receipt').text()).toBe('正在发送…')
  })

  it('writes the time as each language does: 08:05 in Chinese, no leading zero in English', async () => {
    const morning = { ...stored, ts: new Date(2026, 10, 30, 8, 5).getTime() }
    const zh = await mountSuspended(MessageLine, { props: { item: morning, own: false, author: '小红', status: 'received' } })
    expect(zh.get('time').text()).toBe('08:05')
    await useNuxtApp().$i18n.setLocale('en')
    const en = await mountSuspended(MessageLine, { props: { item: morning, own: false, author: 'Hong', status: 'received' } })
    expect(en.get('time').text()).toMatch(/^8:05\sAM$/)
  })

  it('words a refusal by its code in the reader\'s language, and offers Retry and Discard', async () => {
    const failed = { ...waiting, pending: 'failed' as const, error: 'not_member' }
    const wrapper = await mountSuspended(MessageLine, { props: { item: failed, own: true, author: '你', status: 'failed' } })
    expect(wrapper.get('.meta .error').text()).not.toContain('not_member')
    const [retry, discard] = wrapper.findAll('button')
    await retry!.trigger('click')
    await discard!.trigger('click')
    expect(Object.keys(wrapper.emitted())).toEqual(expect.arrayContaining(['retry', 'discard']))
    expect(wrapper.classes()).toEqual(expect.arrayContaining(['message', 'own', 'failed']))
  })
})
