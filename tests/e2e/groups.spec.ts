import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { messages, person, personOnline, sendMessage, uniqueName } from './helpers'

/** The open group's pane. */
const groupView = (page: Page, name: string) => page.getByRole('region', { name: `Group conversation ${name}` })
const systemLines = (page: Page) => page.locator('.messages .system-line')

test('three people in one group: create it, chat, see who read, rename, remove a member, and what that member sees', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  const carol = await personOnline(browser, 'carol')
  const name = uniqueName('Trio ')

  // Alice creates the group, finding Bob and Carol by name in the dialog.
  await alice.page.getByRole('button', { name: 'New group' }).click()
  const dialog = alice.page.getByRole('dialog', { name: 'New group' })
  await dialog.getByRole('textbox', { name: 'Group name' }).fill(name)
  for (const other of [bob, carol]) {
    await dialog.getByRole('searchbox', { name: 'Find people' }).fill(other.name)
    await dialog.getByRole('checkbox', { name: other.name, exact: true }).check()
  }
  await expect(dialog.getByRole('checkbox', { checked: true })).toHaveCount(2)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toHaveCount(0)
  const aliceView = groupView(alice.page, name)
  await expect(aliceView.getByRole('heading', { name })).toBeVisible()
  await expect(aliceView).toContainText('3 members')
  await expect(aliceView).toContainText('3 online')

  // Bob and Carol find the group in their conversation list (a membership event) and open it.
  for (const other of [bob, carol]) {
    await expect(person(other.page, name)).toContainText('3 members')
    await person(other.page, name).click()
    await expect(groupView(other.page, name)).toBeVisible()
  }
  // A member may leave, not manage.
  await expect(groupView(bob.page, name).getByRole('button', { name: 'Leave group' })).toBeVisible()
  await expect(groupView(bob.page, name).getByRole('button', { name: 'Add members' })).toHaveCount(0)

  // Chat: every member gets every line, once, in order; Alice sees who read hers.
  await sendMessage(alice.page, 'Hello, both of you')
  for (const other of [bob, carol]) await expect(messages(other.page)).toHaveText(['Hello, both of you'])
  await sendMessage(bob.page, 'Hi from Bob')
  for (const member of [alice, bob, carol]) await expect(messages(member.page)).toHaveText(['Hello, both of you', 'Hi from Bob'])
  await expect(groupView(carol.page, name).locator('.message.theirs .sender')).toHaveText([alice.name, bob.name])
  await expect(aliceView.locator('.message.own .receipt')).toHaveText('· Read by 2')
  await aliceView.getByRole('button', { name: 'Read by 2' }).click()
  await expect(aliceView.locator('.readers')).toContainText(bob.name)
  await expect(aliceView.locator('.readers')).toContainText(carol.name)

  // The owner renames it; the members see the new name and the line that says so.
  const renamed = `${name} 2`
  await aliceView.getByRole('button', { name: 'Rename group' }).click()
  await aliceView.getByRole('textbox', { name: 'Group name' }).fill(renamed)
  await aliceView.getByRole('button', { name: 'Save' }).click()
  const aliceRenamed = groupView(alice.page, renamed)
  await expect(aliceRenamed.getByRole('heading', { name: renamed })).toBeVisible()
  await expect(groupView(bob.page, renamed).getByRole('heading', { name: renamed })).toBeVisible()
  await expect(systemLines(bob.page).last()).toHaveText(`${alice.name} renamed the group to “${renamed}”`)

  // Alice removes Carol from the Members panel (nobody may remove the owner).
  await aliceRenamed.getByRole('button', { name: 'Members', exact: true }).click()
  const panel = aliceRenamed.getByRole('region', { name: 'Members' })
  await expect(panel.getByRole('listitem')).toHaveCount(3)
  await expect(panel.getByRole('button', { name: `Remove ${alice.name}` })).toHaveCount(0)
  await panel.getByRole('button', { name: `Remove ${carol.name}` }).click()
  await expect(panel.getByRole('listitem')).toHaveCount(2)
  await expect(aliceRenamed).toContainText('2 members')
  await expect(systemLines(alice.page).last()).toHaveText(`You removed ${carol.name}`)
  await expect(systemLines(bob.page).last()).toHaveText(`${alice.name} removed ${carol.name}`)

  // Carol's view: the group stays, marked, with no way to write; nothing new reaches her.
  const carolView = groupView(carol.page, renamed)
  await expect(carolView).toContainText('You are no longer a member of this group')
  await expect(carol.page.getByLabel('Message')).toHaveCount(0)
  await expect(carolView.getByRole('button', { name: 'Leave group' })).toHaveCount(0)
  await expect(person(carol.page, renamed)).toContainText('no longer a member')
  await sendMessage(alice.page, 'Just us now')
  await expect(messages(bob.page)).toHaveText(['Hello, both of you', 'Hi from Bob', 'Just us now'])
  await expect(aliceRenamed.locator('.message.own .receipt').last()).toHaveText('· Read by 1')
  await carol.page.waitForTimeout(1500)
  await expect(messages(carol.page)).toHaveText(['Hello, both of you', 'Hi from Bob'])

  // The group works on a phone-sized screen too.
  await bob.page.setViewportSize({ width: 375, height: 740 })
  await expect(groupView(bob.page, renamed).getByRole('button', { name: 'Members', exact: true })).toBeVisible()
  const overflow = await bob.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await bob.page.screenshot({ path: 'test-results/group-375.png' })

  for (const member of [alice, bob, carol]) expect(member.csp).toEqual([])
  for (const member of [alice, bob, carol]) await member.context.close()
})

test('a member who leaves keeps the group listed as left, and the others see the line', async ({ browser }) => {
  const alice = await personOnline(browser, 'alice')
  const bob = await personOnline(browser, 'bob')
  const name = uniqueName('Pair ')
  await alice.page.getByRole('button', { name: 'New group' }).click()
  const dialog = alice.page.getByRole('dialog', { name: 'New group' })
  await dialog.getByRole('textbox', { name: 'Group name' }).fill(name)
  await dialog.getByRole('searchbox', { name: 'Find people' }).fill(bob.name)
  await dialog.getByRole('checkbox', { name: bob.name, exact: true }).check()
  await dialog.getByRole('button', { name: 'Create' }).click()

  await person(bob.page, name).click()
  await groupView(bob.page, name).getByRole('button', { name: 'Leave group' }).click()
  await expect(groupView(bob.page, name)).toContainText('You are no longer a member of this group')
  await expect(person(bob.page, name)).toContainText('no longer a member')
  await expect(systemLines(alice.page).last()).toHaveText(`${bob.name} left`)
  await expect(groupView(alice.page, name)).toContainText('1 member')
  await alice.context.close()
  await bob.context.close()
})
