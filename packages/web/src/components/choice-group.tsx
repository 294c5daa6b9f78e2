import { useId } from 'react';
import type { BurnChoice } from '../lib/burn-options.ts';

/** Props of {@link ChoiceGroup}. */
export interface ChoiceGroupProps {
  legend: string;
  name: string;
  choices: readonly BurnChoice[];
  value: number;
  onChange: (seconds: number) => void;
}

/** A row of radio "chips": a native radio group, so arrow keys and screen readers just work. */
export function ChoiceGroup({ legend, name, choices, value, onChange }: ChoiceGroupProps) {
  const id = useId();
  return (
    <fieldset className="choices">
      <legend className="choices__legend">{legend}</legend>
      <div className="choices__row">
        {choices.map((choice) => (
          <label key={choice.seconds} className="chip">
            <input
              type="radio"
              className="chip__input"
              name={`${name}-${id}`}
              value={choice.seconds}
              checked={value === choice.seconds}
              onChange={() => onChange(choice.seconds)}
            />
            <span className="chip__label">{choice.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
