import React from 'react';
import { Text } from '@forge/react';

/** Quality hints under a criterion or the field it is typed in: advice, so a warning colour, never an error. */
export function HintLines({ hints }: { hints: readonly string[] }) {
  return (
    <>
      {hints.map((hint) => (
        <Text key={hint} color="color.text.warning" size="small">
          Hint: {hint}
        </Text>
      ))}
    </>
  );
}
