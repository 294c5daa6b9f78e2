import { useId } from 'react';

/** Props of {@link ChoiceGroup}. */
export interface ChoiceGroupProps {
  legend: string;
  name: string;
  /** The choices, in seconds. */
  choices: readonly number[];
  /** What a choice is called: "5 s", "1 hour". */
  label: (seconds: number) => string;
  value: number;
  onChange: (seconds: number) => void;
}

/** A row of radio "chips": a native radio group, so arrow keys and screen readers just work. */
export function ChoiceGroup({ legend, name, choices, label, value, onChange }: ChoiceGroupProps) {
  const id = useId();
  return (
    <fieldset className="choices">
      <legend className="choices__legend">{legend}</legend>
      <div className="choices__row">
        {choices.map((seconds) => (
          <label key={seconds} className="chip">
            <input
              type="radio"
              className="chip__input"
              name={`${name}-${id}`}
              value={seconds}
              checked={value === seconds}
              onChange={() => onChange(seconds)}
            />
            <span className="chip__label">{label(seconds)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
