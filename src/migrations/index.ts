import { HostSchema1733500000000 } from './1733500000000-HostSchema';
import { StackTemplates1733600000000 } from './1733600000000-StackTemplates';

/** Every migration, oldest first. Listed explicitly so ts-node, jest and dist/ load the same set. */
export const MIGRATIONS = [HostSchema1733500000000, StackTemplates1733600000000];
