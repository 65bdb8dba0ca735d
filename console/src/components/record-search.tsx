import { useState } from 'preact/hooks';
import { navigate } from '../router';
import '../styles/record.css';

/** "Open record" in the top bar: goes to a record's page by its id, from anywhere in the console. */
export function RecordSearch() {
  const [value, setValue] = useState('');
  return (
    <form
      class="record-search"
      role="search"
      aria-label="Open a record"
      onSubmit={(event) => {
        event.preventDefault();
        const recordId = value.trim();
        if (recordId) navigate({ page: 'record', recordId });
      }}
    >
      <label for="record-search-id">Record id</label>
      <input
        id="record-search-id"
        type="search"
        required
        autocomplete="off"
        spellcheck={false}
        value={value}
        onInput={(event) => setValue(event.currentTarget.value)}
      />
      <button type="submit">Open record</button>
    </form>
  );
}
