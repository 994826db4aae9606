/** The small part of jstat (no bundled types) that src/stats uses: the Student's t and normal quantiles. */
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { inv(p: number, dof: number): number };
      normal: { inv(p: number, mean: number, std: number): number };
    };
  };
  export default jstat;
}
