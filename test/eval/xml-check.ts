// A small XML well-formedness checker for the SVG tests (no XML parser among our
// dependencies): tags must nest and close, attributes must be quoted and unique,
// text may only contain the five predefined entities or numeric references.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][\w.:-]*/y;

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const checkText = (text: string) => {
    if (/[<]/.test(text)) fail('"<" in text');
    for (const m of text.matchAll(/&([^;\s]*);?/g))
      if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1]) || !m[0].endsWith(';')) fail(`bad entity ${m[0]}`);
  };
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkText(text);
    stack[stack.length - 1].text += text;
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === '/') {
      i++;
      NAME.lastIndex = i;
      const m = NAME.exec(xml) ?? fail('closing tag name');
      i = NAME.lastIndex;
      while (/\s/.test(xml[i])) i++;
      if (xml[i] !== '>') fail('expected >');
      i++;
      const open = stack.pop()!;
      if (open.name !== m[0]) fail(`</${m[0]}> closes <${open.name}>`);
      continue;
    }
    NAME.lastIndex = i;
    const m = NAME.exec(xml) ?? fail('tag name');
    i = NAME.lastIndex;
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(xml[i])) i++;
      if (xml.startsWith('/>', i)) {
        i += 2;
        stack[stack.length - 1].children.push(el);
        break;
      }
      if (xml[i] === '>') {
        i++;
        stack[stack.length - 1].children.push(el);
        stack.push(el);
        break;
      }
      NAME.lastIndex = i;
      const a = NAME.exec(xml) ?? fail('attribute name');
      i = NAME.lastIndex;
      if (xml[i] !== '=' || (xml[i + 1] !== '"' && xml[i + 1] !== "'")) fail('attribute without a quoted value');
      const quote = xml[i + 1];
      const end = xml.indexOf(quote, i + 2);
      if (end < 0) fail('unterminated attribute');
      const value = xml.slice(i + 2, end);
      checkText(value);
      if (a[0] in el.attrs) fail(`duplicate attribute ${a[0]}`);
      el.attrs[a[0]] = value;
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`not well-formed: <${stack[stack.length - 1].name}> never closed`);
  if (root.children.length !== 1 || root.text.trim() !== '')
    throw new Error('not well-formed: expected exactly one root element');
  return root.children[0];
}

export function findAll(el: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const visit = (e: XmlElement) => {
    if (predicate(e)) out.push(e);
    e.children.forEach(visit);
  };
  visit(el);
  return out;
}
