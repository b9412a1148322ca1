import * as v from 'valibot'
import { id } from '../schema'
import { MAX_CID_LENGTH, MAX_GROUP_NAME_LENGTH, MAX_TEXT_LENGTH } from './limits'

/** The fields frames of both directions and the HTTP bodies are built from: people, ids, text. */

export const UserSchema = v.object({ id: id('user.id must be a positive integer'), username: v.string('user.username must be a string') })
export type PublicUser = v.InferOutput<typeof UserSchema>

export const cidSchema = (message: string) => v.pipe(v.string(message), v.minLength(1, message), v.maxLength(MAX_CID_LENGTH, message))
export const CID_PROBLEM = `send.cid must be a string of 1–${MAX_CID_LENGTH} characters`

/** A group's id: `g` and 1–32 lowercase letters or digits (direct conversations are named by the peer). */
export const GROUP_ID_PATTERN = /^g[0-9a-z]{1,32}$/
export const groupId = (message: string) => v.pipe(v.string(message), v.regex(GROUP_ID_PATTERN, message))
export const textSchema = (field: string) => v.pipe(
  v.string(`${field} must be a string`),
  v.check(text => text.trim().length > 0, `${field} must not be empty`),
  v.maxLength(MAX_TEXT_LENGTH, `${field} is longer than ${MAX_TEXT_LENGTH} characters`),
)
export const GroupNameSchema = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.minLength(1, 'name must not be empty'),
  v.maxLength(MAX_GROUP_NAME_LENGTH, `name is longer than ${MAX_GROUP_NAME_LENGTH} characters`),
)
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const
export type GroupRole = typeof GROUP_ROLES[number]
