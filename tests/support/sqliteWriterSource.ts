// `#sqlite-writer-source` for tests in plain Node: the writer thread's code, bundled now.
import { sqliteWriterSource } from '../../scripts/sqliteWriterSource.mjs'

export default sqliteWriterSource() as string
