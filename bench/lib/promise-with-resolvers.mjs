// PostGraphile 5 declares Node >= 22 and calls Promise.withResolvers (Node 22+) when it runs SQL;
// on Node 20 every query would fail. This is the standard definition, installed only where missing.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
