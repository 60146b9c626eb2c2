import { describe, expect, it } from 'vitest';
import type { ApiKey, User } from '../api/types';
import { canCreateKeys, canManageUsers, canRevokeKey, isLastAdmin } from './permissions';

const user = (id: number, role: User['role']): User => ({ id, email: `u${id}@example.com`, created_at_ms: 0, role });
const key = (ownerId: number | null): ApiKey => ({
  id: '0123456789abcdef',
  name: 'k',
  created_at_ms: 0,
  last_used_at_ms: null,
  owner: ownerId === null ? null : { id: ownerId, email: 'x' },
});

describe('permissions', () => {
  it('lets only admins manage users', () => {
    expect(canManageUsers(user(1, 'admin'))).toBe(true);
    expect(canManageUsers(user(2, 'member'))).toBe(false);
    expect(canManageUsers(user(3, 'viewer'))).toBe(false);
  });
  it('lets admins and members create keys, not viewers', () => {
    expect(canCreateKeys(user(1, 'admin'))).toBe(true);
    expect(canCreateKeys(user(2, 'member'))).toBe(true);
    expect(canCreateKeys(user(3, 'viewer'))).toBe(false);
  });
  it('lets a member revoke only their own keys and an admin any', () => {
    expect(canRevokeKey(user(2, 'member'), key(2))).toBe(true);
    expect(canRevokeKey(user(2, 'member'), key(1))).toBe(false);
    expect(canRevokeKey(user(2, 'member'), key(null))).toBe(false);
    expect(canRevokeKey(user(1, 'admin'), key(2))).toBe(true);
  });
  it('knows the last admin', () => {
    const admin = user(1, 'admin');
    expect(isLastAdmin(admin, [admin, user(2, 'member')])).toBe(true);
    expect(isLastAdmin(admin, [admin, user(2, 'admin')])).toBe(false);
    expect(isLastAdmin(user(2, 'member'), [admin, user(2, 'member')])).toBe(false);
  });
});
