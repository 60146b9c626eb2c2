// What the Settings page offers to whom. The API enforces the same rules (the
// auth-responder checks the role on every users or keys request); hiding a
// control only spares a user a 403.
import type { ApiKey, Role, User } from '../api/types';

export const roles: Role[] = ['admin', 'member', 'viewer'];

export const canManageUsers = (user: User): boolean => user.role === 'admin';

export const canCreateKeys = (user: User): boolean => user.role !== 'viewer';

// Only admins change model prices; everyone signed in reads them.
export const canManagePrices = (user: User): boolean => user.role === 'admin';

// Only admins change the playground's providers; everyone signed in sees them (never a key).
export const canManageProviders = (user: User): boolean => user.role === 'admin';

// Admins revoke any key; others only their own.
export const canRevokeKey = (user: User, key: ApiKey): boolean => user.role === 'admin' || key.owner?.id === user.id;

// The last admin can be neither removed nor demoted (the API answers 409).
export function isLastAdmin(user: User, users: User[]): boolean {
  return user.role === 'admin' && users.filter((u) => u.role === 'admin').length <= 1;
}
