export { openDatabase, migrate, DATABASE_FILE, type Db } from './database.ts';
