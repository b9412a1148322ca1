import type { GroupRole, SystemEvent } from '#shared/protocol'

/**
 * Every sentence and label the chat shows that came with groups and people search, in one place:
 * the server sends codes, the client words them here (the next issue translates this module, so
 * nothing user-facing is written inline in components). English only for now.
 */

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
const list = (names: readonly string[]) => names.length <= 1
  ? names.join('')
  : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`

export const wording = {
  // ---- the sidebar -------------------------------------------------------------------------------
  conversations: 'Conversations',
  noConversations: 'No conversations yet. Find people by their username to start one, or create a group.',
  unread: 'unread',
  online: 'online',
  offline: 'offline',
  presenceUnknown: 'presence unknown',
  presenceNeedsLink: 'presence unknown while you are not connected',
  someone: (id: number) => `user ${id}`,
  you: 'You',
  /** "You" in the middle of a sentence. */
  youObject: 'you',

  // ---- people search -----------------------------------------------------------------------------
  findPeople: 'Find people',
  searchResults: 'People found',
  chatWith: (name: string) => `Chat with ${name}`,
  noMatches: (q: string) => `Nobody else's username starts with “${q}”.`,
  moreResults: 'More results',
  searching: 'Searching…',

  // ---- conversations -----------------------------------------------------------------------------
  conversationWith: (name: string) => `Conversation with ${name}`,
  newMessageFrom: (name: string, text: string) => `New message from ${name}: ${text}`,
  newGroupMessage: (name: string, group: string, text: string) => `New message from ${name} in ${group}: ${text}`,
  chooseConversation: 'Choose a conversation, or find someone by name to start one.',
  message: 'Message',
  send: 'Send',
  messageTo: (name: string) => `Message ${name}`,
  notConnectedComposer: 'Not connected: messages are sent when the connection returns',
  loadOlder: 'Load older messages',
  loading: 'Loading…',
  loadFailed: 'Messages could not be loaded.',
  retry: 'Retry',
  discard: 'Discard',
  status: { sending: 'Sending…', failed: 'Not sent', sent: 'Sent', delivered: 'Delivered', read: 'Read', received: '', system: '' },

  // ---- groups ------------------------------------------------------------------------------------
  newGroup: 'New group',
  groupName: 'Group name',
  create: 'Create',
  cancel: 'Cancel',
  close: 'Close',
  pickPeople: 'People in the group',
  pickHint: 'Pick people from your conversations, or find them by username.',
  nobodyToPick: 'Find people by their username to add them.',
  /** After a group's name in the list, for screen readers. */
  groupDetail: (members: number, left: boolean) => `group, ${plural(members, 'member', 'members')}${left ? ', no longer a member' : ''}`,
  groupConversation: (name: string) => `Group conversation ${name}`,
  memberCount: (n: number) => plural(n, 'member', 'members'),
  onlineCount: (n: number) => `${n} online`,
  members: 'Members',
  addMembers: 'Add members',
  add: 'Add',
  leaveGroup: 'Leave group',
  renameGroup: 'Rename group',
  save: 'Save',
  remove: (name: string) => `Remove ${name}`,
  makeAdmin: (name: string) => `Make ${name} an admin`,
  makeMember: (name: string) => `Make ${name} a member`,
  role: { owner: 'owner', admin: 'admin', member: 'member' } satisfies Record<GroupRole, string>,
  noLongerMember: 'You are no longer a member of this group: nothing new reaches you, and you cannot write here.',
  readBy: (k: number) => `Read by ${k}`,
  readers: 'Read by',
  nobodyYet: 'Nobody yet',

  /** A system line of a group, from its code and data; `name` turns a user id into a name. */
  systemLine(event: SystemEvent, actor: string, who: (user: { id: number, username: string }) => string, me?: number): string {
    switch (event.event) {
      case 'created': return `${actor} created the group “${event.name}”`
      case 'added': return `${actor} added ${list(event.users.map(who))}`
      case 'removed': return `${actor} removed ${list(event.users.map(who))}`
      case 'left':
        if (!event.owner) return `${actor} left`
        return event.owner.id === me ? `${actor} left; you are the owner now` : `${actor} left; ${who(event.owner)} is the owner now`
      case 'renamed': return `${actor} renamed the group to “${event.name}”`
      case 'role': return event.role === 'admin' ? `${actor} made ${who(event.user)} an admin` : `${actor} made ${who(event.user)} a member`
    }
  },

  /** Why a group or search request failed, from the server's error code. */
  problem(code: string): string {
    switch (code) {
      case 'forbidden': return 'Only the group\'s owner or an admin may do that.'
      case 'not_member': return 'You are not a member of this group.'
      case 'group_full': return 'The group would have more members than allowed.'
      case 'too_many_groups': return 'You or someone you picked is in as many groups as allowed.'
      case 'unknown_user': return 'One of these people no longer exists.'
      case 'rate_limited': return 'Too many requests. Wait a moment and try again.'
      case 'bad_request': return 'The name must be 1–64 characters.'
      default: return 'That did not work. Check the connection and try again.'
    }
  },
} as const
