// Unit tests of the UI's pure helpers, run by node without a browser.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { httpURL } from '../static/dom.js';

it('httpURL keeps absolute http(s) URLs only', () => {
  assert.equal(httpURL('https://auth.example/u/1'), 'https://auth.example/u/1');
  assert.equal(httpURL('http://auth.example'), 'http://auth.example/');
  for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>x</script>',
    'vbscript:x', '//evil.example/x', '/relative', '', null, undefined, 'ftp://x/y']) {
    assert.equal(httpURL(bad), null, String(bad));
  }
});
